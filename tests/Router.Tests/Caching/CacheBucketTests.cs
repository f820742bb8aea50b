using Router.Actors.Caching;
using Router.Contracts;
using Router.Contracts.Messages;

namespace Router.Tests.Caching;

public class CacheBucketTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(5);

    private static CachedAnswer Answer(DateTimeOffset at, int bytes = 10) => new(new byte[bytes], new ModelId("m/a"), [], at);

    [Fact]
    public void The_first_asker_leads_the_next_wait_and_get_the_leaders_answer()
    {
        var bucket = new CacheBucket<string>(Ttl, maxWaiters: 2);
        Assert.IsType<CacheBucket<string>.Outcome.Lead>(bucket.Get("k", null, "a", T0));
        Assert.IsType<CacheBucket<string>.Outcome.Wait>(bucket.Get("k", null, "b", T0));
        Assert.IsType<CacheBucket<string>.Outcome.Wait>(bucket.Get("k", null, "c", T0));
        Assert.IsType<CacheBucket<string>.Outcome.Busy>(bucket.Get("k", null, "d", T0)); // bounded
        Assert.Equal(["b", "c"], bucket.Put("k", Answer(T0)));
        Assert.Equal(0, bucket.InFlight);
        Assert.IsType<CacheBucket<string>.Outcome.Hit>(bucket.Get("k", null, "e", T0.AddMinutes(1)));
    }

    [Fact]
    public void A_leader_that_gives_up_hands_the_lead_to_one_waiter_and_the_others_keep_waiting()
    {
        var bucket = new CacheBucket<string>(Ttl, maxWaiters: 10);
        bucket.Get("k", null, "a", T0);
        bucket.Get("k", null, "b", T0);
        bucket.Get("k", null, "c", T0);
        Assert.Equal("b", bucket.Release("k", T0));
        Assert.Equal(["c"], bucket.Put("k", Answer(T0)));
        Assert.Null(bucket.Release("k", T0)); // nothing in flight any more
    }

    [Fact]
    public void A_waiter_that_leaves_is_not_answered_and_a_leader_that_leaves_hands_over()
    {
        var bucket = new CacheBucket<string>(Ttl, maxWaiters: 10);
        bucket.Get("k", null, "a", T0);
        bucket.Get("k", null, "b", T0);
        bucket.Get("k", null, "c", T0);
        Assert.Null(bucket.Leave("k", w => w == "b", T0));
        Assert.Equal("c", bucket.Leave("k", w => w == "a", T0)); // the leader left: c leads
        Assert.Empty(bucket.Put("k", Answer(T0)));
    }

    [Fact]
    public void A_silent_leader_is_found_stalled()
    {
        var bucket = new CacheBucket<string>(Ttl, maxWaiters: 10);
        bucket.Get("k", null, "a", T0);
        Assert.Empty(bucket.Stalled(T0.AddSeconds(59), TimeSpan.FromMinutes(1)));
        Assert.Equal(["k"], bucket.Stalled(T0.AddMinutes(1), TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public void Answers_expire_at_the_ttl_and_max_age_asks_for_a_fresher_one()
    {
        var bucket = new CacheBucket<string>(Ttl, maxWaiters: 10);
        bucket.Put("k", Answer(T0));
        Assert.IsType<CacheBucket<string>.Outcome.Lead>(bucket.Get("k", TimeSpan.FromSeconds(30), "a", T0.AddMinutes(1)));
        bucket.Put("k", Answer(T0));
        Assert.IsType<CacheBucket<string>.Outcome.Hit>(bucket.Get("k", TimeSpan.FromSeconds(90), "a", T0.AddMinutes(1)));
        Assert.IsType<CacheBucket<string>.Outcome.Lead>(bucket.Get("k", null, "a", T0 + Ttl));
        Assert.Equal(0, bucket.Count);
    }

    [Fact]
    public void Node_memory_evicts_the_least_recently_used_answers_across_buckets()
    {
        var memory = new CacheMemory(maxBytes: 100);
        object one = "bucket-1", two = "bucket-2";
        Assert.Empty(memory.Add(one, "a", 40));
        Assert.Empty(memory.Add(two, "b", 40));
        memory.Touch(one, "a"); // b is now the oldest
        Assert.Equal([(two, "b")], memory.Add(one, "c", 40));
        Assert.Equal(80, memory.Bytes);
        Assert.Equal([(one, "d")], memory.Add(one, "d", 101)); // larger than the budget: not kept
        Assert.Equal(2, memory.Count);
    }
}
