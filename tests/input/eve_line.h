// One EVE line held with padding after it, as the batcher's buffer holds lines, for parser tests.
#pragma once

#include <algorithm>
#include <string_view>
#include <vector>

#include "input/eve/eve_parser.h"

namespace eveflow::input {

class Line {
public:
    explicit Line(std::string_view text) : buf_(text.size() + kEvePadding, 'x'), len_(text.size()) {
        std::copy(text.begin(), text.end(), buf_.begin());
    }
    /// Parses the line; decoded strings go to this Line's own store, which lives as long as it.
    ParseResult parse(EveParser& p, Event& ev) {
        return p.parse(buf_.data(), len_, buf_.size(), ev, decoded_);
    }
    const char* begin() const { return buf_.data(); }
    const char* end() const { return buf_.data() + len_; }
    size_t decoded_pieces() const { return decoded_.size(); }

private:
    std::vector<char> buf_;
    size_t len_;
    DecodedStrings decoded_;
};

}  // namespace eveflow::input
