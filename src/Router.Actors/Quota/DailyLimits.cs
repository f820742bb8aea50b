using System.Globalization;
using Router.Actors.Catalog;
using Router.Actors.Observability;
using Router.Actors.Routing;
using Router.Contracts;
using Router.Contracts.OpenRouter;

namespace Router.Actors.Quota;

/// <summary>A request refused by a daily cap: the error to answer (its code names the cap) and when to retry.</summary>
public sealed record DailyLimitRefusal(OpenAiError Error, TimeSpan RetryAfter);

/// <summary>
/// The cluster's daily caps as a request meets them, whatever it came through (HTTP or an embedded client): the
/// request cap counts it, the spend budget admits it, and what its answer cost is charged afterwards.
/// </summary>
public sealed class DailyLimits(QuotaGate quota, BudgetGate budget, CatalogReplica catalog, RouterMetrics metrics, TimeProvider time)
{
    /// <summary>Null when the request may go on (the request cap has counted it).</summary>
    public async Task<DailyLimitRefusal?> AdmitAsync(string clientId, CancellationToken ct)
    {
        if (quota.Enabled && await quota.TryConsumeAsync(clientId, ct) is QuotaDecision.Refused refused)
            return Refusal("daily_cap_reached",
                $"Daily request cap reached ({refused.Scope}: {refused.Cap} requests per UTC day); resets at {refused.ResetAt:O}", refused.ResetAt);
        if (budget.Enabled && await budget.CheckAsync(clientId, ct) is QuotaDecision.Refused spent)
            return Refusal("daily_budget_reached",
                string.Create(CultureInfo.InvariantCulture, $"Daily spend budget reached ({spent.Scope}: {spent.Cap} USD per UTC day); resets at {spent.ResetAt:O}"),
                spent.ResetAt);
        return null;
    }

    /// <summary>What an answer of <paramref name="model"/> cost, counted in the spend metrics and budgets; null when unknown.</summary>
    public double? Charge(string clientId, ModelId model, TokenUsage? usage)
    {
        var cost = Spend.CostOf(usage, catalog.Current.ById.GetValueOrDefault(model.Value));
        if (cost is not { } usd) return null;
        metrics.RecordSpend(model.Value, clientId, usd);
        budget.Charge(clientId, usd);
        return cost;
    }

    private DailyLimitRefusal Refusal(string code, string message, DateTimeOffset resetAt) =>
        new(new OpenAiError(message, "rate_limit_error", null, code, 429, null, false, true), resetAt - time.GetUtcNow());
}
