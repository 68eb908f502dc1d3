// Tests of the socket activation protocol: the variables' rules, and claiming passed sockets in
// a child process that holds them at fds 3 and 4 as a service manager would pass them.
#include "util/listen_fds.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace eveflow::listen_fds {
namespace {

namespace fs = std::filesystem;

TEST(ListenFds, PassedToThisProcess) {
    std::string problem;
    auto got = parse("42", "2", "eve:other", 42, problem);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].fd, 3);
    EXPECT_EQ(got[0].name, "eve");
    EXPECT_EQ(got[1].fd, 4);
    EXPECT_EQ(got[1].name, "other");
    EXPECT_EQ(problem, "");
}

TEST(ListenFds, NamesAreOptional) {
    std::string problem;
    auto got = parse("7", "1", nullptr, 7, problem);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].fd, 3);
    EXPECT_EQ(got[0].name, "");
}

TEST(ListenFds, MeantForAnotherProcess) {
    std::string problem;
    EXPECT_TRUE(parse("41", "1", nullptr, 42, problem).empty());
    EXPECT_EQ(problem, "");
    EXPECT_TRUE(parse(nullptr, nullptr, nullptr, 42, problem).empty());
    EXPECT_EQ(problem, "");
}

TEST(ListenFds, MalformedValues) {
    std::string problem;
    EXPECT_TRUE(parse("x", "1", nullptr, 42, problem).empty());
    EXPECT_EQ(problem, "LISTEN_PID is not a process id (got \"x\")");
    EXPECT_TRUE(parse("42", "1x", nullptr, 42, problem).empty());
    EXPECT_EQ(problem, "LISTEN_FDS is not a count of descriptors (got \"1x\")");
    EXPECT_TRUE(parse("42", "0", nullptr, 42, problem).empty());
    EXPECT_TRUE(parse("42", "-1", nullptr, 42, problem).empty());
}

int listener(const std::string& path) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 4) != 0) {
        return -1;
    }
    return fd;
}

// What the child checks, as an exit code: 0 when all hold, else the number of the first
// check that failed.
int child_checks(const std::string& path, const std::string& same_file_other_spelling) {
    take_from_environment();
    if (getenv("LISTEN_FDS") || getenv("LISTEN_PID") || getenv("LISTEN_FDNAMES")) return 1;
    if ((fcntl(3, F_GETFD) & FD_CLOEXEC) == 0) return 2;
    if (claim_unix(path + ".none") != -1) return 3;
    if (claim_unix(same_file_other_spelling) != 3) return 4;  // the same socket file
    if (claim_unix(path) != -1) return 5;                     // claimed once only
    release_unclaimed();                                      // fd 4: nobody's
    if (fcntl(4, F_GETFD) != -1) return 6;
    if (fcntl(3, F_GETFD) == -1) return 7;  // the claimed one stays open
    return 0;
}

TEST(ListenFds, ChildClaimsItsSocketByPath) {
    fs::path dir = fs::temp_directory_path() / ("listen_fds_test." + std::to_string(getpid()));
    fs::create_directories(dir / "sub");
    std::string path = (dir / "eve.sock").string();
    int a = listener(path);
    int b = listener((dir / "other.sock").string());
    ASSERT_GE(a, 0);
    ASSERT_GE(b, 0);
    pid_t child = fork();
    if (child == 0) {
        if (dup2(a, 3) != 3 || dup2(b, 4) != 4) _exit(100);
        setenv("LISTEN_PID", std::to_string(getpid()).c_str(), 1);
        setenv("LISTEN_FDS", "2", 1);
        setenv("LISTEN_FDNAMES", "eve:other", 1);
        _exit(child_checks(path, (dir / "sub" / ".." / "eve.sock").string()));
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    close(a);
    close(b);
    fs::remove_all(dir);
}

}  // namespace
}  // namespace eveflow::listen_fds
