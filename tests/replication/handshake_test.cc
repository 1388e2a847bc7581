// handshake: the HELLO checks, the keep-or-refuse rule for a new
// connection, the partial-or-full decision; role: the meeting and promotion
// rules.
#include "replication/handshake.h"

#include <set>
#include <string>

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
  // Higher epoch wins whatever the roles.
  EXPECT_TRUE(Outranks({Role::kSlave, 2, 9}, {Role::kMaster, 1, 1}));
  // Equal epochs: master beats slave; then the lower node id.
  EXPECT_TRUE(Outranks({Role::kMaster, 0, 9}, {Role::kSlave, 0, 1}));
  EXPECT_TRUE(Outranks({Role::kSlave, 0, 1}, {Role::kSlave, 0, 9}));
  EXPECT_FALSE(Outranks({Role::kSlave, 0, 9}, {Role::kSlave, 0, 1}));

  RoleState survivor;  // the old slave that promoted itself
  survivor.Start(Role::kSlave);
  EXPECT_TRUE(survivor.Promote());
  EXPECT_EQ(survivor.role(), Role::kMaster);
  EXPECT_EQ(survivor.epoch(), 1u);
  EXPECT_EQ(survivor.promotions(), 1u);
  EXPECT_FALSE(survivor.Promote());  // masters do not promote

  RoleState returning;  // the old master, restarted with its command line
  returning.Start(Role::kMaster);
  returning.Meet(5, survivor.state(6));
  survivor.Meet(6, NodeState{Role::kMaster, 0, 5});
  EXPECT_EQ(returning.role(), Role::kSlave);
  EXPECT_EQ(returning.epoch(), 1u);
  EXPECT_EQ(survivor.role(), Role::kMaster);
  EXPECT_EQ(survivor.epoch(), 1u);
}

}  // namespace
}  // namespace tandem::replication
