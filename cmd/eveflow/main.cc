// eveflow: Suricata EVE and packet flows in, aggregates and forwarded events out.
int main() { return 0; }
