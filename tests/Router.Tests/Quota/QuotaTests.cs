using Akka.Actor;
using Akka.Persistence;
using Microsoft.Extensions.Time.Testing;
using Router.Actors.Quota;
using Router.Contracts.Messages;
using Router.Tests.Support;
using Xunit.Abstractions;

namespace Router.Tests.Quota;

/// <summary>Daily counters and the gate in front of them, on in-memory persistence that serializes every event.</summary>
public class QuotaTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(TestActorSystems.Create(AkkaConfigs.Local), output)
{
    private static readonly DateTimeOffset LateEvening = new(2026, 11, 29, 23, 59, 58, TimeSpan.Zero);

    /// <summary>Stands in for the shard region on one node: one counter actor per quota id, as sharding keeps them.</summary>
    private sealed class OneNodeRegion : ReceiveActor
    {
        public OneNodeRegion(int snapshotEvery) =>
            ReceiveAny(m =>
            {
                var id = ((IWithQuotaId)m).QuotaId;
                var name = Uri.EscapeDataString(id);
                var existing = Context.Child(name);
                var counter = existing.IsNobody() ? Context.ActorOf(QuotaActor.Props(id, snapshotEvery), name) : existing;
                counter.Forward(m);
            });
    }

    private IActorRef Region(int snapshotEvery = QuotaActor.DefaultSnapshotEvery) => Sys.ActorOf(Props.Create(() => new OneNodeRegion(snapshotEvery)));

    [Fact]
    public void A_counter_comes_back_from_its_snapshot_and_the_few_events_after_it()
    {
        const string id = "global:2026-11-29";
        var counter = Sys.ActorOf(QuotaActor.Props(id, snapshotEvery: 10));
        for (var i = 1; i <= 25; i++)
        {
            counter.Tell(new ConsumeQuota(id, 100));
            Assert.Equal(i, ExpectMsg<QuotaGranted>().Used);
        }
        // The snapshot at 20 is written and the events before it deleted (both asynchronously): wait for the journal.
        var journal = Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null);
        AwaitAssert(() =>
        {
            journal.Tell(new ReplayMessages(0, long.MaxValue, long.MaxValue, "quota-" + id, TestActor));
            var replayed = 0;
            while (ExpectMsg<object>() is ReplayedMessage) replayed++;
            Assert.Equal(5, replayed);
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));
        Watch(counter);
        counter.Tell(PoisonPill.Instance);
        ExpectTerminated(counter);

        var again = Sys.ActorOf(QuotaActor.Props(id, snapshotEvery: 10));
        again.Tell(new ConsumeQuota(id, 26));
        Assert.Equal(26, ExpectMsg<QuotaGranted>().Used);
        again.Tell(new ConsumeQuota(id, 26));
        Assert.Equal(26, ExpectMsg<QuotaDenied>().Used);
    }

    [Fact]
    public void A_request_the_global_cap_refuses_gives_its_key_count_back()
    {
        var now = LateEvening.AddHours(-12);
        var region = Region();
        var gate = new QuotaGate(region, globalCap: 1, perKeyCap: 2, new FakeTimeProvider(now));
        Assert.IsType<QuotaDecision.Allowed>(gate.TryConsumeAsync("a", default).GetAwaiter().GetResult()); // key a: 1, global: 1
        var refused = Assert.IsType<QuotaDecision.Refused>(gate.TryConsumeAsync("a", default).GetAwaiter().GetResult());
        Assert.Equal("global", refused.Scope); // key a took its second count, then gave it back
        AwaitAssert(() =>
        {
            region.Tell(new ConsumeQuota(QuotaIds.ForKey("a", now), 2));
            Assert.Equal(2, ExpectMsg<QuotaGranted>().Used); // without the release this would be the third, refused
        }, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void The_day_rolls_over_at_utc_midnight()
    {
        var time = new FakeTimeProvider(LateEvening);
        var gate = new QuotaGate(Region(), globalCap: 1, perKeyCap: null, time);
        Assert.IsType<QuotaDecision.Allowed>(gate.TryConsumeAsync("a", default).GetAwaiter().GetResult());
        var refused = Assert.IsType<QuotaDecision.Refused>(gate.TryConsumeAsync("a", default).GetAwaiter().GetResult());
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero), refused.ResetAt);

        time.Advance(TimeSpan.FromSeconds(1)); // 23:59:59: still the same day
        Assert.IsType<QuotaDecision.Refused>(gate.TryConsumeAsync("a", default).GetAwaiter().GetResult());
        time.Advance(TimeSpan.FromSeconds(1)); // 00:00:00 UTC: a new day, a new count
        Assert.IsType<QuotaDecision.Allowed>(gate.TryConsumeAsync("a", default).GetAwaiter().GetResult());
    }

    [Fact]
    public async Task A_spend_budget_admits_while_under_its_cap_and_refuses_once_the_charges_reach_it()
    {
        var now = LateEvening.AddHours(-12);
        var region = Region();
        var budget = new BudgetGate(region, globalCapUsd: 0.7, perKeyCapUsd: 0.5, new FakeTimeProvider(now));
        Assert.IsType<QuotaDecision.Allowed>(await budget.CheckAsync("a", default));
        budget.Charge("a", 0.4);
        Assert.IsType<QuotaDecision.Allowed>(await budget.CheckAsync("a", default)); // 0.40 of 0.50: still under
        budget.Charge("a", 0.2); // the request in flight spends past the cap: 0.60
        var refused = Assert.IsType<QuotaDecision.Refused>(await budget.CheckAsync("a", default));
        Assert.Equal(("client key", 0.5, LateEvening.Date.AddDays(1)), (refused.Scope, refused.Cap, refused.ResetAt.UtcDateTime));

        // Key b has its own budget, within the cluster's: 0.60 + 0.30 spent of 0.70.
        Assert.IsType<QuotaDecision.Allowed>(await budget.CheckAsync("b", default));
        budget.Charge("b", 0.3);
        var global = Assert.IsType<QuotaDecision.Refused>(await budget.CheckAsync("b", default));
        Assert.Equal("global", global.Scope);

        // Checks take nothing; nonsense charges add nothing.
        budget.Charge("c", double.NaN);
        budget.Charge("c", -5);
        region.Tell(new CheckQuota(QuotaIds.SpendGlobal(now), 10));
        Assert.Equal(0.9, ExpectMsg<QuotaGranted>().Used, 9);
    }

    [Fact]
    public void A_spend_counter_comes_back_with_what_was_spent()
    {
        const string id = "spend:global:2026-11-29";
        var counter = Sys.ActorOf(QuotaActor.Props(id, snapshotEvery: 3));
        // Charges arrive faster than the journal confirms them: snapshots must count every event before their stamp.
        for (var i = 0; i < 40; i++) counter.Tell(new AddToQuota(id, 0.125));
        counter.Tell(new CheckQuota(id, 10));
        Assert.Equal(5, ExpectMsg<QuotaGranted>().Used);
        // Stop it only once every charge is in the journal (a stop cuts the writes still queued behind one in flight).
        var journal = Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null);
        AwaitAssert(() =>
        {
            journal.Tell(new ReplayMessages(0, long.MaxValue, long.MaxValue, "quota-" + id, TestActor));
            object reply;
            while ((reply = ExpectMsg<object>()) is ReplayedMessage) { }
            Assert.Equal(40, Assert.IsType<RecoverySuccess>(reply).HighestSequenceNr);
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
        Watch(counter);
        counter.Tell(PoisonPill.Instance);
        ExpectTerminated(counter);

        var again = Sys.ActorOf(QuotaActor.Props(id, snapshotEvery: 3));
        again.Tell(new CheckQuota(id, 5));
        Assert.Equal(5, ExpectMsg<QuotaDenied>().Used);
    }
}
