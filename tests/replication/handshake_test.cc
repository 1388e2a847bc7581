// handshake: the HELLO checks, the keep-or-refuse rule for a new
// connection, the partial-or-full decision; role: the meeting and promotion
// rules.
#include "replication/handshake.h"

#include <set>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "replication/record_codec.h"
#include "replication/role.h"

namespace tandem::replication {
namespace {

std::string HelloPayload(const Hello& h) {
  std::string frame;
  EncodeHello(h, &frame);
  return frame.substr(kFrameHeaderSize + 1);
}

TEST(Handshake, AcceptHelloTakesTheStateAndRefusesOurOwnId) {
  Hello sent;
  sent.node_id = 9;
  sent.epoch = 2;
  sent.role = Role::kMaster;
  sent.applied_stream = 7;
  sent.applied_offset = 300;
  sent.stream_end = 500;
  Hello got;
  ASSERT_TRUE(AcceptHello(HelloPayload(sent), 7, &got).ok());
  EXPECT_EQ(got.node_id, 9u);
  EXPECT_EQ(got.epoch, 2u);
  EXPECT_EQ(got.role, Role::kMaster);
  EXPECT_EQ(got.applied_offset, 300u);
  // A node that dialed itself (or gets its own HELLO back) does not link.
  EXPECT_EQ(AcceptHello(HelloPayload(Hello{7}), 7, &got).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(AcceptHello("junk", 7, &got).code(), absl::StatusCode::kDataLoss);
}

TEST(Handshake, ALiveLinkIsNeverReplaced) {
  for (bool we_dialed : {false, true}) {
    for (bool we_dial : {false, true}) {
      for (uint64_t peer : {uint64_t{1}, uint64_t{100}}) {
        EXPECT_EQ(DecideOnHello({50, peer, we_dialed, we_dial, /*have_live_link=*/true}),
                  HelloVerdict::kAlreadyLinked);
      }
    }
  }
}

TEST(Handshake, SimultaneousDialsSettleOnTheLowerIdsConnection) {
  // Node 5 and node 9 both dial. On node 5, 9's connection is declined;
  // on node 9, 5's connection links; each dialer takes the acceptor's answer.
  EXPECT_EQ(DecideOnHello({5, 9, /*we_dialed=*/false, /*our_dial_pending=*/true, false}),
            HelloVerdict::kPeerShouldWait);
  EXPECT_EQ(DecideOnHello({9, 5, /*we_dialed=*/false, /*our_dial_pending=*/true, false}), HelloVerdict::kLink);
  EXPECT_EQ(DecideOnHello({5, 9, /*we_dialed=*/true, /*our_dial_pending=*/false, false}), HelloVerdict::kLink);
  // With no dial of our own under way (-X only, or our dial failed), the
  // peer's connection is taken whatever the ids.
  EXPECT_EQ(DecideOnHello({5, 9, /*we_dialed=*/false, /*our_dial_pending=*/false, false}), HelloVerdict::kLink);
}

TEST(Handshake, NodeIdsAreRandomAndNeverZero) {
  std::set<uint64_t> ids;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t id = RandomNodeId();
    EXPECT_NE(id, 0u);
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(Handshake, PartialOnlyForThisStreamInsideTheBacklog) {
  SyncStart s = DecideSync(7, 100, 500, 7, 300);
  EXPECT_FALSE(s.full);
  EXPECT_EQ(s.offset, 300u);
  EXPECT_FALSE(DecideSync(7, 100, 500, 7, 500).full);  // up to date
  EXPECT_TRUE(DecideSync(7, 100, 500, 7, 99).full);    // fell out of the backlog
  EXPECT_TRUE(DecideSync(7, 100, 500, 7, 501).full);   // from the future: a restarted us
  s = DecideSync(7, 0, 500, 8, 300);                   // another process's stream
  EXPECT_TRUE(s.full);
  EXPECT_EQ(s.offset, 500u);
  EXPECT_TRUE(DecideSync(7, 0, 0, 0, 0).full);         // a fresh peer
}

TEST(Role, MeetingRules) {
  // A master beats a slave whatever the epochs: the node that kept serving
  // keeps its role, the one (re)joining as slave defers.
  EXPECT_TRUE(Outranks({Role::kMaster, 1, 9, 50}, {Role::kSlave, 2, 1, 0}));
  // Two masters: the incumbent (master for longer) wins, even against a
  // higher epoch (a slave that promoted while it was away).
  EXPECT_TRUE(Outranks({Role::kMaster, 0, 9, 6000}, {Role::kMaster, 1, 1, 20}));
  EXPECT_FALSE(Outranks({Role::kMaster, 1, 1, 20}, {Role::kMaster, 0, 9, 6000}));
  // Then the higher epoch, then the lower node id.
  EXPECT_TRUE(Outranks({Role::kSlave, 2, 9, 0}, {Role::kSlave, 1, 1, 0}));
  EXPECT_TRUE(Outranks({Role::kSlave, 0, 1, 0}, {Role::kSlave, 0, 9, 0}));
  EXPECT_FALSE(Outranks({Role::kSlave, 0, 9, 0}, {Role::kSlave, 0, 1, 0}));
  EXPECT_FALSE(Outranks({Role::kSlave, 0, 9, 0}, {Role::kSlave, 0, 9, 0}));  // never both

  RoleState survivor;  // the old slave that promoted itself
  survivor.Start(Role::kSlave);
  EXPECT_EQ(survivor.master_for_ms(), 0u);
  EXPECT_TRUE(survivor.Promote());
  EXPECT_EQ(survivor.role(), Role::kMaster);
  EXPECT_EQ(survivor.epoch(), 1u);
  EXPECT_EQ(survivor.promotions(), 1u);
  EXPECT_GE(survivor.master_for_ms(), 1u);
  EXPECT_FALSE(survivor.Promote());  // masters do not promote

  // The old master, restarted with -x (a slave): it defers to the survivor.
  const NodeState returning_hello{Role::kSlave, 0, 5, 0};
  const NodeState survivor_hello{Role::kMaster, 1, 6, 3000};
  RoleState returning;
  returning.Start(Role::kSlave);
  returning.Meet(returning_hello, survivor_hello);
  survivor.Meet(survivor_hello, returning_hello);
  EXPECT_EQ(returning.role(), Role::kSlave);
  EXPECT_EQ(returning.epoch(), 1u);
  EXPECT_EQ(survivor.role(), Role::kMaster);
  EXPECT_EQ(survivor.epoch(), 1u);

  // A slave that promoted while paused meets the master that kept serving:
  // it becomes the slave again, with the higher epoch.
  RoleState woken, incumbent;
  woken.Start(Role::kSlave);
  woken.Promote();
  incumbent.Start(Role::kMaster);
  const NodeState woken_hello{Role::kMaster, 1, 7, 5};
  const NodeState incumbent_hello{Role::kMaster, 0, 8, 6000};
  woken.Meet(woken_hello, incumbent_hello);
  incumbent.Meet(incumbent_hello, woken_hello);
  EXPECT_EQ(woken.role(), Role::kSlave);
  EXPECT_EQ(incumbent.role(), Role::kMaster);
  EXPECT_EQ(woken.epoch(), 1u);
  EXPECT_EQ(incumbent.epoch(), 1u);

  // A master that was away starts its time as master over, a timeout from
  // now: meanwhile it claims the least, so a peer that promoted itself
  // while this node was away wins even with a HELLO written right after
  // its promotion (1 ms as master, a higher epoch).
  RoleState away;
  away.Start(Role::kMaster);
  away.WasAway(60000);
  absl::SleepFor(absl::Milliseconds(5));  // its HELLO is written a little later
  EXPECT_EQ(away.role(), Role::kMaster);
  EXPECT_EQ(away.master_for_ms(), 1u);
  const NodeState away_hello{Role::kMaster, 0, 1, away.master_for_ms()};
  const NodeState promoted_hello{Role::kMaster, 1, 9, 1};
  away.Meet(away_hello, promoted_hello);
  EXPECT_EQ(away.role(), Role::kSlave);
}

}  // namespace
}  // namespace tandem::replication
