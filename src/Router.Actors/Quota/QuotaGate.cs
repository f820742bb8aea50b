using Akka.Actor;
using Router.Contracts.Messages;

namespace Router.Actors.Quota;

public abstract record QuotaDecision
{
    public sealed record Allowed : QuotaDecision;

    public sealed record Refused(string Scope, double Cap, DateTimeOffset ResetAt) : QuotaDecision;

    public static readonly QuotaDecision Allow = new Allowed();
}

/// <summary>Checks a request against the per-key and the global daily caps (either may be off).</summary>
public sealed class QuotaGate(IActorRef region, long? globalCap, long? perKeyCap, TimeProvider time, Observability.RouterMetrics? metrics = null)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);
    private readonly Observability.RouterMetrics _metrics = metrics ?? Observability.RouterMetrics.Isolated();

    public bool Enabled => globalCap is not null || perKeyCap is not null;

    public async Task<QuotaDecision> TryConsumeAsync(string clientId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        string? takenFromKey = null;
        if (perKeyCap is { } keyCap)
        {
            var id = QuotaIds.ForKey(clientId, now);
            var answer = await region.Ask<object>(new ConsumeQuota(id, keyCap), AskTimeout, ct);
            Record("key", clientId, answer);
            if (answer is QuotaDenied denied)
                return new QuotaDecision.Refused("client key", denied.Cap, denied.ResetAt);
            takenFromKey = id;
        }
        if (globalCap is { } cap)
        {
            var answer = await region.Ask<object>(new ConsumeQuota(QuotaIds.Global(now), cap), AskTimeout, ct);
            Record("global", "global", answer);
            if (answer is QuotaDenied globalDenied)
            {
                if (takenFromKey is not null) region.Tell(new ReleaseQuota(takenFromKey));
                return new QuotaDecision.Refused("global", globalDenied.Cap, globalDenied.ResetAt);
            }
        }
        return QuotaDecision.Allow;
    }

    private void Record(string scope, string usedLabel, object answer)
    {
        switch (answer)
        {
            case QuotaGranted granted:
                _metrics.QuotaDecisions.WithLabels(scope, "granted").Inc();
                _metrics.QuotaUsed.WithLabels(usedLabel).Set(granted.Used);
                break;
            case QuotaDenied denied:
                _metrics.QuotaDecisions.WithLabels(scope, "denied").Inc();
                _metrics.QuotaUsed.WithLabels(usedLabel).Set(denied.Used);
                break;
        }
    }
}
