using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Router.Contracts.Messages;

namespace Router.Actors.Caching;

/// <summary>What the response cache keeps and for how long; one per node.</summary>
public sealed record CacheSettings(TimeSpan Ttl, CacheMemory Memory, int MaxWaiters, TimeSpan FlightTimeout, TimeProvider Time, Observability.RouterMetrics Metrics);

/// <summary>
/// One bucket of the cluster's response cache (keys sharing their first two hex digits), sharded so every node asks
/// the same bucket for a key: answers are found wherever they were stored, and identical requests in flight anywhere
/// in the cluster wait for one leader. Answers live in memory, within the node's byte budget.
/// </summary>
public sealed class CacheActor : ReceiveActor, IWithTimers
{
    private readonly CacheSettings _settings;
    private readonly CacheBucket<Asker> _bucket;
    private readonly Dictionary<IActorRef, string> _streams = [];

    public CacheActor(CacheSettings settings)
    {
        _settings = settings;
        _bucket = new CacheBucket<Asker>(settings.Ttl, settings.MaxWaiters);

        Receive<CacheGet>(get =>
        {
            switch (_bucket.Get(get.CacheKey, get.MaxAge, new Asker(Sender, get.AskerId), Now, get.Stream))
            {
                case CacheBucket<Asker>.Outcome.Follow follow:
                    follow.Stream.Ref.Tell(new JoinFlight(get.CacheKey), Sender); // the flight answers the asker itself
                    break;
                case CacheBucket<Asker>.Outcome.Hit hit:
                    _settings.Memory.Touch(Self, get.CacheKey);
                    Sender.Tell(new CacheHit(hit.Answer, Coalesced: false));
                    break;
                case CacheBucket<Asker>.Outcome.Lead:
                    Sender.Tell(new CacheLead(get.CacheKey));
                    break;
                case CacheBucket<Asker>.Outcome.Busy:
                    Sender.Tell(new CacheBusy(get.CacheKey));
                    break;
            }
        });
        Receive<CacheStreamOpen>(open =>
        {
            var followers = _bucket.Open(open.CacheKey, new Asker(Sender, ""), Now);
            if (_streams.TryAdd(Sender, open.CacheKey)) Context.Watch(Sender);
            foreach (var follower in followers) Sender.Tell(new JoinFlight(open.CacheKey), follower.Ref);
        });
        Receive<Terminated>(ended =>
        {
            // A stream gone without storing its answer (its node died): a waiter leads.
            if (_streams.Remove(ended.ActorRef, out var key))
                _bucket.Release(key, Now, new Asker(ended.ActorRef, ""))?.Ref.Tell(new CacheLead(key));
        });
        Receive<CachePut>(put =>
        {
            if (_streams.Remove(Sender)) Context.Unwatch(Sender);
            foreach (var waiter in _bucket.Put(put.CacheKey, put.Answer))
                waiter.Ref.Tell(new CacheHit(put.Answer, Coalesced: true));
            foreach (var (owner, key) in _settings.Memory.Add(Self, put.CacheKey, put.Answer.Bytes))
            {
                ((IActorRef)owner).Tell(new Evict(key));
                _settings.Metrics.CacheEvictions.Inc();
            }
            Measure();
        });
        Receive<CacheRelease>(release =>
        {
            if (_streams.Remove(Sender)) Context.Unwatch(Sender);
            _bucket.Release(release.CacheKey, Now, new Asker(Sender, ""))?.Ref.Tell(new CacheLead(release.CacheKey));
        });
        Receive<CacheLeave>(leave =>
            _bucket.Leave(leave.CacheKey, a => a.Id.Length > 0 && a.Id == leave.AskerId, Now)?.Ref.Tell(new CacheLead(leave.CacheKey)));
        Receive<Evict>(evict => _bucket.Evict(evict.Key));
        Receive<CachePurge>(_ =>
        {
            foreach (var key in _bucket.Clear()) _settings.Memory.Remove(Self, key);
            Measure();
            Sender.Tell(new CachePurged(_bucket.Count));
        });
        Receive<Sweep>(_ =>
        {
            foreach (var key in _bucket.Expire(Now)) _settings.Memory.Remove(Self, key);
            Measure();
            foreach (var key in _bucket.Stalled(Now, _settings.FlightTimeout))
                _bucket.Release(key, Now)?.Ref.Tell(new CacheLead(key));
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private void Measure()
    {
        _settings.Metrics.CacheBytes.Set(_settings.Memory.Bytes);
        _settings.Metrics.CacheEntries.Set(_settings.Memory.Count);
    }

    private DateTimeOffset Now => _settings.Time.GetUtcNow();

    protected override void PreStart() => Timers.StartPeriodicTimer(Sweep.Instance, Sweep.Instance, TimeSpan.FromSeconds(1));

    protected override void PostStop()
    {
        foreach (var key in _bucket.Clear()) _settings.Memory.Remove(Self, key);
    }

    public static Props Props(CacheSettings settings) => Akka.Actor.Props.Create(() => new CacheActor(settings));

    /// <summary>Who asked: where the answer goes, and the id it leaves by.</summary>
    private sealed record Asker(IActorRef Ref, string Id);

    /// <summary>The node's budget wants this answer gone (local only).</summary>
    private sealed record Evict(string Key);

    private sealed class Sweep
    {
        public static readonly Sweep Instance = new();
    }
}

/// <summary>Buckets by the key's first two hex digits: 256 entities spread over the shards.</summary>
public sealed class CacheMessageExtractor() : HashCodeMessageExtractor(ShardCount)
{
    public const int ShardCount = 64;

    public override string? EntityId(object message) => message switch
    {
        IWithCacheKey c when c.CacheKey.Length >= 2 => c.CacheKey[..2],
        _ => null,
    };

    public override object EntityMessage(object message) => message;
}

/// <summary>Registry key of the cache shard region (or its proxy).</summary>
public sealed class CacheShardRegion;

public static class CacheActorHosting
{
    public const string TypeName = "cache";

    public static AkkaConfigurationBuilder AddCacheShards(this AkkaConfigurationBuilder builder, CacheSettings settings, string role) =>
        builder.WithShardRegion<CacheShardRegion>(TypeName, _ => CacheActor.Props(settings), new CacheMessageExtractor(), ShardDefaults.For(role));

    public static AkkaConfigurationBuilder AddCacheShardsProxy(this AkkaConfigurationBuilder builder, string role) =>
        builder.WithShardRegionProxy<CacheShardRegion>(TypeName, role, new CacheMessageExtractor());
}
