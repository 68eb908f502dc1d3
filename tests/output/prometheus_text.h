// Test helpers: a minimal HTTP GET over loopback and a parser of the Prometheus text format.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace eveflow::testing {

/// GET `path` from 127.0.0.1:port; the response body, or nullopt on any failure.
inline std::optional<std::string> http_get(uint16_t port, const std::string& path) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return std::nullopt;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        close(fd);
        return std::nullopt;
    }
    std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) {
        close(fd);
        return std::nullopt;
    }
    std::string resp;
    char buf[65536];
    ssize_t n = 0;
    while ((n = read(fd, buf, sizeof buf)) > 0) resp.append(buf, static_cast<size_t>(n));
    close(fd);
    auto body = resp.find("\r\n\r\n");
    if (resp.rfind("HTTP/1.1 200", 0) != 0 || body == std::string::npos) return std::nullopt;
    std::string out = resp.substr(body + 4);
    if (resp.find("Transfer-Encoding: chunked") != std::string::npos) {
        std::string dechunked;
        size_t pos = 0;
        while (pos < out.size()) {
            size_t eol = out.find("\r\n", pos);
            size_t len = std::stoul(out.substr(pos, eol - pos), nullptr, 16);
            if (len == 0) break;
            dechunked += out.substr(eol + 2, len);
            pos = eol + 2 + len + 2;
        }
        out = dechunked;
    }
    return out;
}

struct Sample {
    std::string name;
    std::map<std::string, std::string> labels;
    double value = 0;
};

/// Parses sample lines (`name{a="x",b="y"} 1.5`), unescaping label values; TYPE lines go to
/// `types` when given.
inline std::vector<Sample> parse_text(const std::string& text,
                                      std::map<std::string, std::string>* types = nullptr) {
    std::vector<Sample> out;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t eol = text.find('\n', pos);
        if (eol == std::string::npos) eol = text.size();
        std::string line = text.substr(pos, eol - pos);
        pos = eol + 1;
        if (line.empty()) continue;
        if (line[0] == '#') {
            if (types && line.rfind("# TYPE ", 0) == 0) {
                auto sp = line.find(' ', 7);
                (*types)[line.substr(7, sp - 7)] = line.substr(sp + 1);
            }
            continue;
        }
        Sample s;
        size_t i = 0;
        while (i < line.size() && line[i] != '{' && line[i] != ' ') s.name += line[i++];
        if (i < line.size() && line[i] == '{') {
            ++i;
            while (i < line.size() && line[i] != '}') {
                std::string key, value;
                while (line[i] != '=') key += line[i++];
                i += 2;  // ="
                while (line[i] != '"') {
                    if (line[i] == '\\') {
                        ++i;
                        value += line[i] == 'n' ? '\n' : line[i];
                    } else {
                        value += line[i];
                    }
                    ++i;
                }
                ++i;  // closing quote
                if (line[i] == ',') ++i;
                s.labels[key] = value;
            }
            ++i;
        }
        s.value = std::stod(line.substr(i + 1));
        out.push_back(std::move(s));
    }
    return out;
}

/// The value of the one sample named `name` with exactly `labels`, if present.
inline std::optional<double> find_sample(const std::vector<Sample>& samples,
                                         const std::string& name,
                                         const std::map<std::string, std::string>& labels = {}) {
    for (const auto& s : samples) {
        if (s.name == name && s.labels == labels) return s.value;
    }
    return std::nullopt;
}

}  // namespace eveflow::testing
