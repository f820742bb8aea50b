namespace Router.Contracts.Messages;

/// <summary>
/// Routes a message to one daily counter: of requests or of USD spent, for a scope (global, or one client key) on one
/// UTC day.
/// </summary>
public interface IWithQuotaId
{
    string QuotaId { get; }
}

/// <summary>Take one request from the counter if it is under <see cref="Cap"/>; answers <see cref="QuotaGranted"/> or <see cref="QuotaDenied"/>.</summary>
public sealed record ConsumeQuota(string QuotaId, double Cap) : IWithQuotaId, IRouterMessage;

/// <summary>Give back a request taken by a <see cref="ConsumeQuota"/> whose request was refused by another counter.</summary>
public sealed record ReleaseQuota(string QuotaId) : IWithQuotaId, IRouterMessage;

/// <summary>Is the counter still under <see cref="Cap"/>? Answers <see cref="QuotaGranted"/> or <see cref="QuotaDenied"/>, taking nothing.</summary>
public sealed record CheckQuota(string QuotaId, double Cap) : IWithQuotaId, IRouterMessage;

/// <summary>Add what an answer cost (USD) to a spend counter; not answered.</summary>
public sealed record AddToQuota(string QuotaId, double Amount) : IWithQuotaId, IRouterMessage;

public sealed record QuotaGranted(string QuotaId, double Used, double Cap) : IRouterMessage;

public sealed record QuotaDenied(string QuotaId, double Used, double Cap, DateTimeOffset ResetAt) : IRouterMessage;

/// <summary>Persisted by a counter: +1 for a request taken, -1 for one given back, or the USD an answer cost.</summary>
public sealed record QuotaUsed(double Delta) : IRouterMessage;

/// <summary>A counter's confirmed total; recovery starts here instead of replaying the day's events.</summary>
public sealed record QuotaSnapshot(double Used) : IRouterMessage;
