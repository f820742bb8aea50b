using System.Globalization;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Persistence;
using Router.Contracts.Messages;

namespace Router.Actors.Quota;

/// <summary>
/// One daily request counter (a scope on one UTC day), sharded so there is exactly one per counter in the cluster:
/// every node's requests queue through it, so three nodes cannot admit three times the cap. A request is granted only
/// once its count is in the journal.
/// </summary>
public sealed class QuotaActor : ReceivePersistentActor
{
    private readonly DateTimeOffset _resetAt;
    private long _used;

    public QuotaActor(string quotaId)
    {
        PersistenceId = "quota-" + quotaId;
        _resetAt = QuotaIds.DayOf(quotaId).AddDays(1);

        Recover<QuotaUsed>(e => _used += e.Delta);
        Command<ConsumeQuota>(cmd =>
        {
            if (_used >= cmd.Cap)
            {
                Sender.Tell(new QuotaDenied(cmd.QuotaId, _used, cmd.Cap, _resetAt));
                return;
            }
            _used++; // reserved now, so requests behind this one see it
            var sender = Sender;
            var used = _used;
            PersistAsync(new QuotaUsed(1), _ => sender.Tell(new QuotaGranted(cmd.QuotaId, used, cmd.Cap)));
        });
        Command<ReleaseQuota>(_ =>
        {
            if (_used == 0) return;
            _used--;
            PersistAsync(new QuotaUsed(-1), _ => { });
        });
        Command<ReceiveTimeout>(_ => Context.Parent.Tell(new Passivate(PoisonPill.Instance)));
    }

    public override string PersistenceId { get; }

    protected override void PreStart()
    {
        Context.SetReceiveTimeout(TimeSpan.FromMinutes(5));
        base.PreStart();
    }

    public static Props Props(string quotaId) => Akka.Actor.Props.Create(() => new QuotaActor(quotaId));
}

/// <summary>Quota counter ids: <c>global:2026-11-24</c>, <c>key:3f2a9c01b7e4:2026-11-24</c>.</summary>
public static class QuotaIds
{
    public static string Global(DateTimeOffset now) => "global:" + Day(now);

    public static string ForKey(string keyId, DateTimeOffset now) => $"key:{keyId}:{Day(now)}";

    public static DateTimeOffset DayOf(string quotaId) =>
        DateTimeOffset.ParseExact(quotaId[(quotaId.LastIndexOf(':') + 1)..], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static string Day(DateTimeOffset now) => now.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

public sealed class QuotaMessageExtractor() : HashCodeMessageExtractor(ShardCount)
{
    public const int ShardCount = 50;

    public override string? EntityId(object message) => message switch
    {
        IWithQuotaId q => q.QuotaId,
        _ => null,
    };

    public override object EntityMessage(object message) => message;
}

/// <summary>Registry key of the quota shard region (or its proxy).</summary>
public sealed class QuotaShardRegion;

public static class QuotaActorHosting
{
    public const string TypeName = "quota";

    public static AkkaConfigurationBuilder AddQuotaShards(this AkkaConfigurationBuilder builder, string role) =>
        builder.WithShardRegion<QuotaShardRegion>(TypeName, QuotaActor.Props, new QuotaMessageExtractor(),
            new ShardOptions { Role = role, RememberEntities = false, StateStoreMode = StateStoreMode.DData, PassivateIdleEntityAfter = TimeSpan.Zero });

    public static AkkaConfigurationBuilder AddQuotaShardsProxy(this AkkaConfigurationBuilder builder, string role) =>
        builder.WithShardRegionProxy<QuotaShardRegion>(TypeName, role, new QuotaMessageExtractor());
}
