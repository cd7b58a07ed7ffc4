// roll_call.h: who is missing when an MPI collective times out.
//
// A timed-out collective alone cannot say which rank failed to arrive: every
// waiting rank sees the same pending operation. So each rank whose
// collective timed out reports the operation's sequence number to rank 0 on
// a private communicator; rank 0 listens for a grace period and names the
// ranks that waited in the same operation, those waiting in another one, and
// the silent ones: stuck outside the collectives (in their loader, in a
// computation) or dead. Rank 0 acknowledges the reports before it returns
// (and aborts the job), and the others wait for that acknowledgement, so
// rank 0's diagnosis is printed before anyone aborts; if rank 0 itself is
// silent, the others say so.
//
//   RollCall roll_call(private_comm, rank, world);      // takes ownership
//   std::string who = roll_call.Take(seq, grace);       // on timeout
#ifndef MICON_DISTRIBUTED_MPI_ROLL_CALL_H_
#define MICON_DISTRIBUTED_MPI_ROLL_CALL_H_

#include <mpi.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace micon {

class RollCall {
 public:
  // `comm` is a communicator no one else uses; freed on destruction.
  RollCall(MPI_Comm comm, int rank, int world);
  ~RollCall();
  RollCall(const RollCall&) = delete;
  RollCall& operator=(const RollCall&) = delete;

  // Reports that this rank's collective `seq` timed out and returns what the
  // roll call learnt, as text to append to the timeout message (empty at
  // world 1). Blocks for about `grace`, rank 0 to listen, the others to hear
  // back.
  std::string Take(uint64_t seq, std::chrono::milliseconds grace);

 private:
  std::string Listen(uint64_t seq, std::chrono::milliseconds grace);
  std::string Report(uint64_t seq, std::chrono::milliseconds grace);

  MPI_Comm comm_;
  const int rank_, world_;
  uint64_t report_ = 0;  // the send buffer of Report's message
};

}  // namespace micon

#endif  // MICON_DISTRIBUTED_MPI_ROLL_CALL_H_
