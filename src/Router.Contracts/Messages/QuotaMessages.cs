namespace Router.Contracts.Messages;

/// <summary>Routes a message to one quota counter: a scope (global, or one client key) on one UTC day.</summary>
public interface IWithQuotaId
{
    string QuotaId { get; }
}

/// <summary>Take one request from the counter if it is under <see cref="Cap"/>; answers <see cref="QuotaGranted"/> or <see cref="QuotaDenied"/>.</summary>
public sealed record ConsumeQuota(string QuotaId, long Cap) : IWithQuotaId, IRouterMessage;

/// <summary>Give back a request taken by a <see cref="ConsumeQuota"/> whose request was refused by another counter.</summary>
public sealed record ReleaseQuota(string QuotaId) : IWithQuotaId, IRouterMessage;

public sealed record QuotaGranted(string QuotaId, long Used, long Cap) : IRouterMessage;

public sealed record QuotaDenied(string QuotaId, long Used, long Cap, DateTimeOffset ResetAt) : IRouterMessage;

/// <summary>Persisted by a quota counter: <see cref="Delta"/> is +1 for a request taken, -1 for one given back.</summary>
public sealed record QuotaUsed(int Delta) : IRouterMessage;

/// <summary>A counter's confirmed count; recovery starts here instead of replaying the day's events.</summary>
public sealed record QuotaSnapshot(long Used) : IRouterMessage;
