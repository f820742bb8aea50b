using System.Globalization;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Persistence;
using Router.Contracts.Messages;

namespace Router.Actors.Quota;

/// <summary>
/// One daily counter (a scope on one UTC day), sharded so there is exactly one per counter in the cluster: every
/// node's requests queue through it, so three nodes cannot admit three times the cap. A request counter takes one per
/// request, granted only once its count is in the journal. A spend counter is checked before a request (under its cap
/// or not, taking nothing) and added to after the answer with what it cost, so the requests in flight when it runs out
/// may spend past it, by their own cost at most. Every <see cref="DefaultSnapshotEvery"/> confirmed changes the
/// confirmed count is snapshotted and the events before it deleted, so a restart reads one snapshot and a few events,
/// not a day of them.
/// </summary>
public sealed class QuotaActor : Persistence.SnapshotCompactingActor
{
    public const int DefaultSnapshotEvery = 1000;

    private readonly DateTimeOffset _resetAt;
    private readonly int _snapshotEvery;
    private double _used;      // reserved: confirmed plus in flight, what admission checks
    private double _confirmed; // in the journal
    private int _sinceSnapshot;

    public QuotaActor(string quotaId, int snapshotEvery = DefaultSnapshotEvery)
    {
        PersistenceId = "quota-" + quotaId;
        _resetAt = QuotaIds.DayOf(quotaId).AddDays(1);
        _snapshotEvery = snapshotEvery;

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is QuotaSnapshot snapshot) _used = _confirmed = snapshot.Used;
        });
        Recover<QuotaUsed>(e => _used = _confirmed += e.Delta);
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
            PersistAsync(new QuotaUsed(1), e =>
            {
                Confirmed(e);
                sender.Tell(new QuotaGranted(cmd.QuotaId, used, cmd.Cap));
            });
        });
        Command<CheckQuota>(cmd => Sender.Tell(_used >= cmd.Cap
            ? new QuotaDenied(cmd.QuotaId, _used, cmd.Cap, _resetAt)
            : new QuotaGranted(cmd.QuotaId, _used, cmd.Cap)));
        Command<AddToQuota>(cmd =>
        {
            if (!(cmd.Amount > 0) || !double.IsFinite(cmd.Amount)) return;
            _used += cmd.Amount;
            PersistAsync(new QuotaUsed(cmd.Amount), Confirmed);
        });
        Command<ReleaseQuota>(_ =>
        {
            if (_used == 0) return;
            _used--;
            PersistAsync(new QuotaUsed(-1), Confirmed);
        });
        CompactOnSnapshot();
        Command<ReceiveTimeout>(_ => Context.Parent.Tell(new Passivate(PoisonPill.Instance)));
    }

    public override string PersistenceId { get; }

    /// <summary>In a persist handler the journal has confirmed this event: the sequence number and the count agree.</summary>
    private void Confirmed(QuotaUsed e)
    {
        _confirmed += e.Delta;
        if (++_sinceSnapshot < _snapshotEvery) return;
        _sinceSnapshot = 0;
        SaveSnapshot(new QuotaSnapshot(_confirmed));
    }

    protected override void PreStart()
    {
        Context.SetReceiveTimeout(TimeSpan.FromMinutes(5));
        base.PreStart();
    }

    public static Props Props(string quotaId) => Props(quotaId, DefaultSnapshotEvery);

    public static Props Props(string quotaId, int snapshotEvery) => Akka.Actor.Props.Create(() => new QuotaActor(quotaId, snapshotEvery));
}

/// <summary>Quota counter ids: <c>global:2026-11-24</c>, <c>key:3f2a9c01b7e4:2026-11-24</c>.</summary>
public static class QuotaIds
{
    public static string Global(DateTimeOffset now) => "global:" + Day(now);

    public static string ForKey(string keyId, DateTimeOffset now) => $"key:{keyId}:{Day(now)}";

    /// <summary>USD spent by the whole cluster: <c>spend:global:2026-11-24</c>.</summary>
    public static string SpendGlobal(DateTimeOffset now) => "spend:" + Global(now);

    public static string SpendForKey(string keyId, DateTimeOffset now) => "spend:" + ForKey(keyId, now);

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
            ShardDefaults.For(role));

    public static AkkaConfigurationBuilder AddQuotaShardsProxy(this AkkaConfigurationBuilder builder, string role) =>
        builder.WithShardRegionProxy<QuotaShardRegion>(TypeName, role, new QuotaMessageExtractor());
}
