using Akka.Actor;
using Router.Contracts.Messages;

namespace Router.Actors.Quota;

/// <summary>
/// Daily spend budgets in USD (per client key and for the cluster; either may be off), held by the same sharded daily
/// counters as the request caps. A request is admitted while its budgets are under their caps; what its answer cost is
/// added afterwards, so the requests in flight when a budget runs out may spend past it, each by its own cost.
/// </summary>
public sealed class BudgetGate(IActorRef region, double? globalCapUsd, double? perKeyCapUsd, TimeProvider time, Observability.RouterMetrics? metrics = null)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);
    private readonly Observability.RouterMetrics _metrics = metrics ?? Observability.RouterMetrics.Isolated();

    public bool Enabled => globalCapUsd is not null || perKeyCapUsd is not null;

    public async Task<QuotaDecision> CheckAsync(string clientId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (perKeyCapUsd is { } keyCap && await CheckAsync(QuotaIds.SpendForKey(clientId, now), keyCap, "spend-key", ct) is { } keySpent)
            return new QuotaDecision.Refused("client key", keySpent.Cap, keySpent.ResetAt);
        if (globalCapUsd is { } cap && await CheckAsync(QuotaIds.SpendGlobal(now), cap, "spend-global", ct) is { } spent)
            return new QuotaDecision.Refused("global", spent.Cap, spent.ResetAt);
        return QuotaDecision.Allow;
    }

    /// <summary>Adds what an answer cost to the client's and the cluster's budgets of today.</summary>
    public void Charge(string clientId, double usd)
    {
        if (!(usd > 0)) return;
        var now = time.GetUtcNow();
        if (perKeyCapUsd is not null) region.Tell(new AddToQuota(QuotaIds.SpendForKey(clientId, now), usd));
        if (globalCapUsd is not null) region.Tell(new AddToQuota(QuotaIds.SpendGlobal(now), usd));
    }

    private async Task<QuotaDenied?> CheckAsync(string id, double cap, string scope, CancellationToken ct)
    {
        var answer = await region.Ask<object>(new CheckQuota(id, cap), AskTimeout, ct);
        _metrics.QuotaDecisions.WithLabels(scope, answer is QuotaDenied ? "denied" : "granted").Inc();
        return answer as QuotaDenied;
    }
}
