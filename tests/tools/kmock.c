/* kmock: a librdkafka mock Kafka cluster over TCP on 127.0.0.1, driven from stdin, for tests.
 *
 * Usage: kmock [BROKERS [BOOTSTRAP_FILE]]   (3 brokers by default)
 * Prints the bootstrap list as the first line of stdout (and writes it to BOOTSTRAP_FILE), then
 * reads one command per line on stdin and answers "ok" or "error ..." on stdout:
 *   down ID | up ID          take broker ID (1..BROKERS, -1 for all) down / up
 *   topic NAME PARTITIONS    create a topic (replication factor: min(3, BROKERS))
 *   quit                     destroy the cluster and exit 0 (so do SIGTERM, SIGINT and the end
 *                            of stdin when it is a pipe; other stdin ends wait for a signal)
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested = 0;

static void on_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

static void answer(rd_kafka_resp_err_t err) {
    if (err)
        printf("error %s\n", rd_kafka_err2str(err));
    else
        printf("ok\n");
    fflush(stdout);
}

static int run_command(rd_kafka_mock_cluster_t* mc, int brokers, const char* line) {
    char name[256];
    int id = 0, parts = 0;
    if (strncmp(line, "quit", 4) == 0) return 0;
    if (sscanf(line, "down %d", &id) == 1) {
        answer(rd_kafka_mock_broker_set_down(mc, id));
    } else if (sscanf(line, "up %d", &id) == 1) {
        answer(rd_kafka_mock_broker_set_up(mc, id));
    } else if (sscanf(line, "topic %255s %d", name, &parts) == 2) {
        answer(rd_kafka_mock_topic_create(mc, name, parts, brokers < 3 ? brokers : 3));
    } else {
        printf("error unknown command\n");
        fflush(stdout);
    }
    return 1;
}

int main(int argc, char** argv) {
    int brokers = argc > 1 ? atoi(argv[1]) : 3;
    char err[512];
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: fgets returns on a signal */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    if (brokers < 1) brokers = 1;

    /* A handle only to own the cluster; it never connects anywhere. */
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "kmock: %s\n", err);
        return 1;
    }
    rd_kafka_mock_cluster_t* mc = rd_kafka_mock_cluster_new(rk, brokers);
    if (!mc) {
        fprintf(stderr, "kmock: cannot create the mock cluster\n");
        return 1;
    }
    const char* bootstraps = rd_kafka_mock_cluster_bootstraps(mc);
    if (argc > 2) {
        FILE* f = fopen(argv[2], "w");
        if (f) {
            fprintf(f, "%s\n", bootstraps);
            fclose(f);
        }
    }
    printf("%s\n", bootstraps);
    fflush(stdout);

    char line[512];
    while (!stop_requested && fgets(line, sizeof line, stdin)) {
        if (!run_command(mc, brokers, line)) break;
    }
    /* Stdin at its end: from a pipe, the controlling process is gone, so exit; otherwise
     * (started with </dev/null by a script) run until a signal. */
    struct stat st;
    int from_pipe = fstat(0, &st) == 0 && S_ISFIFO(st.st_mode);
    while (!stop_requested && feof(stdin) && !from_pipe) pause();
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
