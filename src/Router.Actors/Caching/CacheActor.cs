using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Persistence;
using Router.Contracts.Messages;

namespace Router.Actors.Caching;

/// <summary>What the response cache keeps and for how long; one per node.</summary>
/// <param name="Persist">Answers are journaled too (<c>ROUTER_CACHE_PERSIST</c>): a bucket handed to another node or restarted keeps them.</param>
public sealed record CacheSettings(TimeSpan Ttl, CacheMemory Memory, int MaxWaiters, TimeSpan FlightTimeout, TimeProvider Time,
    Observability.RouterMetrics Metrics, bool Persist = false, int SnapshotEvery = 100);

/// <summary>
/// One bucket of the cluster's response cache (keys sharing their first two hex digits), sharded so every node asks
/// the same bucket for a key: answers are found wherever they were stored, and identical requests in flight anywhere
/// in the cluster wait for one leader. Answers live in memory, within the node's byte budget; when persisted, every
/// stored and dropped answer is journaled (a snapshot of the bucket every <see cref="CacheSettings.SnapshotEvery"/>
/// changes, the events before it deleted), and a bucket recovers its answers still within their time.
/// </summary>
public sealed class CacheActor : Persistence.SnapshotCompactingActor, IWithTimers
{
    private readonly CacheSettings _settings;
    private readonly CacheBucket<Asker> _bucket;
    private readonly Dictionary<IActorRef, string> _streams = [];
    private int _sinceSnapshot;

    public CacheActor(string bucketId, CacheSettings settings)
    {
        PersistenceId = "cache-" + bucketId;
        _settings = settings;
        _bucket = new CacheBucket<Asker>(settings.Ttl, settings.MaxWaiters);

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is CacheSnapshot snapshot)
                foreach (var put in snapshot.Entries) Store(put);
        });
        Recover<CachePut>(put => Store(put));
        Recover<CacheDropped>(dropped => Drop(dropped.Keys));

        Command<CacheGet>(get =>
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
        Command<CacheStreamOpen>(open =>
        {
            var followers = _bucket.Open(open.CacheKey, new Asker(Sender, ""), Now);
            if (_streams.TryAdd(Sender, open.CacheKey)) Context.Watch(Sender);
            foreach (var follower in followers) Sender.Tell(new JoinFlight(open.CacheKey), follower.Ref);
        });
        Command<Terminated>(ended =>
        {
            // A stream gone without storing its answer (its node died): a waiter leads.
            if (_streams.Remove(ended.ActorRef, out var key))
                _bucket.Release(key, Now, new Asker(ended.ActorRef, ""))?.Ref.Tell(new CacheLead(key));
        });
        Command<CachePut>(put =>
        {
            if (_streams.Remove(Sender)) Context.Unwatch(Sender);
            foreach (var waiter in Store(put))
                waiter.Ref.Tell(new CacheHit(put.Answer, Coalesced: true));
            Record(put);
        });
        Command<CacheRelease>(release =>
        {
            if (_streams.Remove(Sender)) Context.Unwatch(Sender);
            _bucket.Release(release.CacheKey, Now, new Asker(Sender, ""))?.Ref.Tell(new CacheLead(release.CacheKey));
        });
        Command<CacheLeave>(leave =>
            _bucket.Leave(leave.CacheKey, a => a.Id.Length > 0 && a.Id == leave.AskerId, Now)?.Ref.Tell(new CacheLead(leave.CacheKey)));
        Command<Evict>(evict =>
        {
            if (_bucket.Evict(evict.Key)) Record(new CacheDropped([evict.Key]));
        });
        Command<CachePurge>(_ =>
        {
            var keys = _bucket.Clear();
            foreach (var key in keys) _settings.Memory.Remove(Self, key);
            Measure();
            if (keys.Count > 0) Record(new CacheDropped(keys));
            Sender.Tell(new CachePurged(_bucket.Count));
        });
        Command<Sweep>(_ =>
        {
            var expired = _bucket.Expire(Now);
            foreach (var key in expired) _settings.Memory.Remove(Self, key);
            Measure();
            if (expired.Count > 0) Record(new CacheDropped(expired));
            foreach (var key in _bucket.Stalled(Now, _settings.FlightTimeout))
                _bucket.Release(key, Now)?.Ref.Tell(new CacheLead(key));
        });
        CompactOnSnapshot();
    }

    public override string PersistenceId { get; }

    /// <summary>A bucket whose answers are not persisted reads nothing from the journal when it starts.</summary>
    public override Recovery Recovery => _settings.Persist ? base.Recovery : Recovery.None;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>
    /// Keeps an answer within the node's budget (evicting the least recently used); returns the requests that were
    /// waiting for it. A recovered answer past its time is not kept.
    /// </summary>
    private IReadOnlyList<Asker> Store(CachePut put)
    {
        if (IsRecovering && Now - put.Answer.StoredAt >= _settings.Ttl) return [];
        var waiters = _bucket.Put(put.CacheKey, put.Answer);
        foreach (var (owner, key) in _settings.Memory.Add(Self, put.CacheKey, put.Answer.Bytes))
        {
            ((IActorRef)owner).Tell(new Evict(key));
            _settings.Metrics.CacheEvictions.Inc();
        }
        Measure();
        return waiters;
    }

    private void Drop(IReadOnlyList<string> keys)
    {
        foreach (var key in keys)
        {
            _bucket.Evict(key);
            _settings.Memory.Remove(Self, key);
        }
        Measure();
    }

    /// <summary>Writes a change when answers are persisted, without holding up the bucket: a cache may lose its last writes.</summary>
    private void Record(IRouterMessage change)
    {
        if (!_settings.Persist) return;
        PersistAsync(change, _ =>
        {
            if (++_sinceSnapshot < _settings.SnapshotEvery) return;
            _sinceSnapshot = 0;
            SaveSnapshot(new CacheSnapshot(_bucket.Entries.Select(e => new CachePut(e.Key, e.Value)).ToList()));
        });
    }

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
        base.PostStop();
    }

    public static Props Props(string bucketId, CacheSettings settings) => Akka.Actor.Props.Create(() => new CacheActor(bucketId, settings));

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
        builder.WithShardRegion<CacheShardRegion>(TypeName, bucketId => CacheActor.Props(bucketId, settings), new CacheMessageExtractor(), ShardDefaults.For(role));

    public static AkkaConfigurationBuilder AddCacheShardsProxy(this AkkaConfigurationBuilder builder, string role) =>
        builder.WithShardRegionProxy<CacheShardRegion>(TypeName, role, new CacheMessageExtractor());
}
