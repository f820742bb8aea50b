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

    [Fact]
    public void Stream_askers_follow_a_streaming_leader_and_plain_ones_wait_for_its_stored_answer()
    {
        var bucket = new CacheBucket<string>(Ttl, maxWaiters: 10);
        Assert.IsType<CacheBucket<string>.Outcome.Lead>(bucket.Get("k", null, "leader", T0, stream: true));
        bucket.Get("k", null, "early-stream", T0, stream: true);
        bucket.Get("k", null, "plain", T0);

        Assert.Equal(["early-stream"], bucket.Open("k", "flight", T0)); // sent to the stream; "plain" keeps waiting
        Assert.Equal(new CacheBucket<string>.Outcome.Follow("flight"), bucket.Get("k", null, "late-stream", T0, stream: true));
        Assert.IsType<CacheBucket<string>.Outcome.Wait>(bucket.Get("k", null, "late-plain", T0));
        Assert.Empty(bucket.Stalled(T0.AddHours(1), TimeSpan.FromMinutes(1))); // a stream is watched, not timed

        Assert.Equal(["plain", "late-plain"], bucket.Put("k", Answer(T0)));
    }

    [Fact]
    public void Only_the_stream_itself_releases_a_streaming_lead()
    {
        var bucket = new CacheBucket<string>(Ttl, maxWaiters: 10);
        bucket.Get("k", null, "leader", T0, stream: true);
        bucket.Get("k", null, "plain", T0);
        bucket.Open("k", "flight", T0);

        Assert.Null(bucket.Release("k", T0)); // a late release from the leader's request: the stream goes on
        Assert.Null(bucket.Leave("k", a => a == "leader", T0)); // nor does the leader's client going away end it
        Assert.Equal("plain", bucket.Release("k", T0, by: "flight")); // the stream failed: a waiter leads
        Assert.IsType<CacheBucket<string>.Outcome.Wait>(bucket.Get("k", null, "next-stream", T0, stream: true)); // nobody streams now
    }

    [Fact]
    public void A_stream_opened_after_its_lead_was_handed_on_is_not_registered()
    {
        var bucket = new CacheBucket<string>(Ttl, maxWaiters: 10);
        bucket.Get("k", null, "leader", T0, stream: true);
        bucket.Release("k", T0); // nobody waited: the flight is gone
        Assert.Empty(bucket.Open("k", "flight", T0));
        Assert.IsType<CacheBucket<string>.Outcome.Lead>(bucket.Get("k", null, "next", T0, stream: true));
    }
}
