using Akka.Actor;
using Akka.Persistence;
using Microsoft.Extensions.Time.Testing;
using Router.Actors.Caching;
using Router.Actors.Observability;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.Tests.Support;
using Xunit.Abstractions;

namespace Router.Tests.Caching;

/// <summary>A cache bucket with its answers persisted (in-memory journal), recovered after it stops.</summary>
public class CacheActorTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(TestActorSystems.Create(AkkaConfigs.Local), output)
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));

    private CacheSettings Settings(bool persist) =>
        new(TimeSpan.FromMinutes(10), new CacheMemory(1024 * 1024), 10, TimeSpan.FromMinutes(1), _time, RouterMetrics.Isolated(), persist, SnapshotEvery: 3);

    private CachedAnswer Answer(string text) => new(System.Text.Encoding.UTF8.GetBytes(text), new ModelId("m/a"), [], _time.GetUtcNow());

    private void Stop(IActorRef bucket)
    {
        Watch(bucket);
        bucket.Tell(PoisonPill.Instance);
        ExpectTerminated(bucket);
    }

    private int Replayed(string persistenceId)
    {
        var journal = Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null);
        journal.Tell(new ReplayMessages(0, long.MaxValue, long.MaxValue, persistenceId, TestActor));
        var replayed = 0;
        while (ExpectMsg<object>() is ReplayedMessage) replayed++;
        return replayed;
    }

    [Fact]
    public void A_persisted_bucket_comes_back_from_its_snapshot_and_the_changes_after_it_without_expired_answers()
    {
        var settings = Settings(persist: true);
        var bucket = Sys.ActorOf(CacheActor.Props("ab", settings));
        bucket.Tell(new CachePut("ab01", Answer("one")));
        bucket.Tell(new CachePut("ab02", Answer("two")));
        _time.Advance(TimeSpan.FromMinutes(8));
        bucket.Tell(new CachePut("ab03", Answer("three"))); // the third change: a snapshot, the events before it deleted
        bucket.Tell(new CachePut("ab04", Answer("four")));
        AwaitAssert(() => Assert.Equal(1, Replayed("cache-ab")), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
        Stop(bucket);

        _time.Advance(TimeSpan.FromMinutes(3)); // ab01 and ab02 are past their 10 minutes now
        var again = Sys.ActorOf(CacheActor.Props("ab", Settings(persist: true)));
        foreach (var (key, expected) in new[] { ("ab03", "three"), ("ab04", "four") })
        {
            again.Tell(new CacheGet(key, null));
            Assert.Equal(expected, System.Text.Encoding.UTF8.GetString(ExpectMsg<CacheHit>().Answer.Completion));
        }
        again.Tell(new CacheGet("ab01", null));
        ExpectMsg<CacheLead>();
    }

    [Fact]
    public void A_bucket_that_is_not_persisted_writes_nothing_and_comes_back_empty()
    {
        var bucket = Sys.ActorOf(CacheActor.Props("cd", Settings(persist: false)));
        bucket.Tell(new CachePut("cd01", Answer("one")));
        bucket.Tell(new CacheGet("cd01", null));
        ExpectMsg<CacheHit>();
        Stop(bucket);
        Assert.Equal(0, Replayed("cache-cd"));

        var again = Sys.ActorOf(CacheActor.Props("cd", Settings(persist: false)));
        again.Tell(new CacheGet("cd01", null));
        ExpectMsg<CacheLead>();
    }
}
