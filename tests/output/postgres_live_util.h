// Helpers of the PostgreSQL live table tests: lifecycle records with counters that grow.
#pragma once

#include <string>

#include "tests/output/postgres_test_util.h"

namespace eveflow::testing {

// Counters of a flow after its n-th report: they only grow, and differ per flow.
struct Counters {
    uint64_t pkts_toserver, pkts_toclient, bytes_toserver, bytes_toclient;
};
inline Counters counters_after(uint64_t id, int n) {
    const uint64_t k = static_cast<uint64_t>(n) + 1;
    return {k * 2, k, k * (100 + id % 997), k * (50 + id % 13)};
}

/// A lifecycle record as the meter makes one. A remove carries no JSON and, unless `final`,
/// no counters (the sink takes the last known ones).
inline Record op(FlowOp o, uint64_t id, int n, int64_t at_us, bool final = false,
                 const std::string& sensor = "") {
    Record rec{std::in_place_type<FlowLifecycle>};
    auto& f = std::get<FlowLifecycle>(rec);
    f.op = o;
    f.flow_id = id;
    f.at = Timestamp::from_us(at_us);
    f.sensor_id = sensor;
    auto& e = f.fields;
    e.src_ip =
        *IpAddr::parse("10.1." + std::to_string(id / 256 % 256) + "." + std::to_string(id % 256));
    e.dest_ip = *IpAddr::parse("192.0.2.7");
    e.has_src_ip = e.has_dest_ip = e.has_src_port = e.has_dest_port = e.has_proto = true;
    e.src_port = static_cast<uint16_t>(1024 + id % 60000);
    e.dest_port = 443;
    e.proto = 6;
    e.start = Timestamp::from_us(at_us - n * kUs);
    e.end = Timestamp::from_us(at_us);
    if (o != FlowOp::kRemove || final) {
        const Counters c = counters_after(id, n);
        e.pkts_toserver = c.pkts_toserver;
        e.pkts_toclient = c.pkts_toclient;
        e.bytes_toserver = c.bytes_toserver;
        e.bytes_toclient = c.bytes_toclient;
    }
    if (o != FlowOp::kRemove) {
        f.json = "{\"flow_id\":" + std::to_string(id) + ",\"community_id\":\"1:c" +
                 std::to_string(id) +
                 "\",\"app_proto\":\"tls\",\"bytes_toserver\":" + std::to_string(e.bytes_toserver) +
                 ",\"n\":" + std::to_string(n) + "}";
    }
    return rec;
}

}  // namespace eveflow::testing
