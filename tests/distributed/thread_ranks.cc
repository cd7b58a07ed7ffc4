#include "tests/distributed/thread_ranks.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "distributed/thread/thread_communicator.h"

namespace micon::testing {

void RunOnThreadRanks(int world_size,
                      const std::function<void(Communicator&)>& body,
                      std::chrono::milliseconds deadline,
                      CommunicatorOptions options) {
  ThreadWorld world(world_size, options);
  std::vector<std::unique_ptr<Communicator>> comms;
  for (int r = 0; r < world_size; ++r) comms.push_back(world.Join(r));
  std::mutex mutex;
  std::condition_variable cv;
  int finished = 0;
  std::vector<std::thread> threads;
  for (int r = 0; r < world_size; ++r) {
    threads.emplace_back([&, r] {
      try {
        body(*comms[r]);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "rank " << r << " threw: " << e.what();
        comms[r]->Abort(e.what());
      }
      std::lock_guard<std::mutex> lock(mutex);
      ++finished;
      cv.notify_all();
    });
  }
  {
    std::unique_lock<std::mutex> lock(mutex);
    if (!cv.wait_for(lock, deadline, [&] { return finished == world_size; })) {
      ADD_FAILURE() << "watchdog: ranks still running after "
                    << deadline.count() << " ms; aborting the world";
      comms[0]->Abort("test watchdog");
    }
  }
  for (auto& t : threads) t.join();
}

}  // namespace micon::testing
