// Tests of the lock files that keep two processes off one path: a child process holds the lock,
// the parent is refused with the child's pid, and takes the lock once the child has exited.
#include "util/path_lock.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "util/status.h"

namespace eveflow {
namespace {

namespace fs = std::filesystem;

class PathLockTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("path_lock_test." + std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    // Forks a child that takes the lock, reports through a pipe, and holds it until the
    // parent closes its end of the second pipe. Returns the child's pid.
    pid_t hold_in_child(const OwnedPath& owned) {
        int ready[2], release[2];
        EXPECT_EQ(::pipe(ready), 0);
        EXPECT_EQ(::pipe(release), 0);
        pid_t pid = ::fork();
        if (pid == 0) {
            ::close(ready[0]);
            ::close(release[1]);
            char ok = 'n';
            try {
                PathLock lock = PathLock::acquire(owned);
                ok = 'y';
                (void)!::write(ready[1], &ok, 1);
                char c;
                (void)!::read(release[0], &c, 1);  // EOF once the parent lets go
            } catch (...) {
                (void)!::write(ready[1], &ok, 1);
            }
            ::_exit(0);
        }
        ::close(ready[1]);
        ::close(release[0]);
        release_ = release[1];
        char ok = 0;
        EXPECT_EQ(::read(ready[0], &ok, 1), 1);
        ::close(ready[0]);
        EXPECT_EQ(ok, 'y');
        return pid;
    }

    void end_child(pid_t pid) {
        ::close(release_);
        int status = 0;
        ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    }

    static std::string message_of(const OwnedPath& owned) {
        try {
            PathLock::acquire(owned);
        } catch (const StartupError& e) {
            return e.what();
        }
        return "";
    }

    static std::string read_all(const fs::path& p) {
        std::ifstream in(p);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }

    fs::path dir_;
    int release_ = -1;
};

TEST_F(PathLockTest, SecondProcessIsRefusedWithTheHoldersPid) {
    OwnedPath owned{"outputs[0].path", (dir_ / "r.jsonl").string(), false};
    pid_t child = hold_in_child(owned);
    std::string lock = (dir_ / "r.jsonl.lock").string();
    EXPECT_EQ(read_all(lock), std::to_string(child) + "\n");
    EXPECT_EQ(message_of(owned), "outputs[0].path: " + owned.path + " is in use by eveflow pid " +
                                     std::to_string(child) + " (lock " + lock + ")");
    EXPECT_FALSE(fs::exists(owned.path)) << "the guarded file is not touched";
    end_child(child);
}

TEST_F(PathLockTest, LockFileOfADeadProcessIsTakenAgain) {
    OwnedPath owned{"inputs[0].path", (dir_ / "eve.sock").string(), false};
    end_child(hold_in_child(owned));
    ASSERT_TRUE(fs::exists(dir_ / "eve.sock.lock")) << "lock files stay after exit";
    PathLock lock = PathLock::acquire(owned);
    EXPECT_EQ(read_all(lock.path()), std::to_string(::getpid()) + "\n");
}

TEST_F(PathLockTest, DirectoryIsLockedInside) {
    OwnedPath owned{"outputs[0].spill_dir", (dir_ / "spill").string(), true};
    pid_t child = hold_in_child(owned);
    EXPECT_TRUE(fs::exists(dir_ / "spill" / ".lock"));
    EXPECT_NE(message_of(owned).find("in use by eveflow pid " + std::to_string(child)),
              std::string::npos);
    end_child(child);
    EXPECT_NO_THROW(PathLock::acquire(owned));
}

TEST_F(PathLockTest, MissingDirectoryOfAFileIsAStartupError) {
    OwnedPath owned{"outputs[0].path", (dir_ / "no" / "r.jsonl").string(), false};
    EXPECT_NE(message_of(owned).find("cannot be locked: No such file"), std::string::npos);
}

TEST_F(PathLockTest, OnlyRegularFilesAreOutputsToLock) {
    EXPECT_TRUE(is_regular_output((dir_ / "new.jsonl").string()));
    std::ofstream((dir_ / "old.jsonl").string()) << "x\n";
    EXPECT_TRUE(is_regular_output((dir_ / "old.jsonl").string()));
    EXPECT_FALSE(is_regular_output("-"));
    EXPECT_FALSE(is_regular_output("/dev/null"));
    EXPECT_FALSE(is_regular_output(dir_.string()));
}

}  // namespace
}  // namespace eveflow
