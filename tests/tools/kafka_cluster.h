// Test fixture helpers for Kafka: a kmock cluster in a child process, and kcat runs.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace eveflow::test {

/// A 3-broker librdkafka mock cluster over TCP (tests/tools/kmock), controlled through its
/// stdin. Killed by pid when the object goes.
class KafkaCluster {
public:
    explicit KafkaCluster(int brokers = 3) {
        int in[2], out[2];
        if (pipe(in) != 0 || pipe(out) != 0) return;
        pid_ = fork();
        if (pid_ == 0) {
            dup2(in[0], 0);
            dup2(out[1], 1);
            ::close(in[1]);
            ::close(out[0]);
            std::string path = std::string(EVEFLOW_BINARY_DIR) + "/tests/kmock";
            std::string n = std::to_string(brokers);
            execl(path.c_str(), "kmock", n.c_str(), static_cast<char*>(nullptr));
            _exit(127);
        }
        ::close(in[0]);
        ::close(out[1]);
        to_ = fdopen(in[1], "w");
        from_ = fdopen(out[0], "r");
        bootstrap_ = read_line();
    }
    ~KafkaCluster() {
        if (to_) fclose(to_);
        if (from_) fclose(from_);
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            waitpid(pid_, nullptr, 0);
        }
    }
    KafkaCluster(const KafkaCluster&) = delete;
    KafkaCluster& operator=(const KafkaCluster&) = delete;

    bool ok() const { return !bootstrap_.empty(); }
    const std::string& bootstrap() const { return bootstrap_; }
    /// Sends one kmock command ("down -1", "up 2", "topic t 6"); true on "ok".
    bool command(const std::string& cmd) {
        if (!to_) return false;
        fprintf(to_, "%s\n", cmd.c_str());
        fflush(to_);
        return read_line() == "ok";
    }

private:
    std::string read_line() {
        std::array<char, 1024> buf{};
        if (!from_ || !fgets(buf.data(), buf.size(), from_)) return {};
        std::string s(buf.data());
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
        return s;
    }
    pid_t pid_ = -1;
    FILE* to_ = nullptr;
    FILE* from_ = nullptr;
    std::string bootstrap_;
};

/// Runs a shell command and returns its stdout (exit status in `rc` if given).
inline std::string run_output(const std::string& cmd, int* rc = nullptr) {
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return out;
    std::array<char, 65536> buf{};
    size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
    int status = pclose(p);
    if (rc) *rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return out;
}

/// Splits on '\n', dropping the empty tail.
inline std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> out;
    size_t from = 0;
    while (from < text.size()) {
        size_t nl = text.find('\n', from);
        if (nl == std::string::npos) nl = text.size();
        out.push_back(text.substr(from, nl - from));
        from = nl + 1;
    }
    return out;
}

/// True when the kcat client is on PATH.
inline bool have_kcat() { return system("command -v kcat >/dev/null 2>&1") == 0; }

/// Every message of `topic` from the beginning, one `format` line each (kcat -f).
inline std::vector<std::string> kcat_read(const std::string& bootstrap, const std::string& topic,
                                          const std::string& format = "%k\\t%s\\n") {
    return split_lines(run_output("kcat -q -b '" + bootstrap + "' -C -t '" + topic +
                                  "' -o beginning -e -f '" + format + "' 2>/dev/null"));
}

}  // namespace eveflow::test
