using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json.Serialization;

namespace Router.Contracts.Messages;

/// <summary>What became of one candidate of a route; written in <c>router.attempts[].outcome</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AttemptOutcome>))]
public enum AttemptOutcome
{
    /// <summary>Called, and it answered.</summary>
    [JsonStringEnumMemberName("ok")] Ok,
    /// <summary>Called, and it failed.</summary>
    [JsonStringEnumMemberName("failed")] Failed,
    /// <summary>Its model actor turned the call away: the model rests.</summary>
    [JsonStringEnumMemberName("rejected")] Rejected,
    /// <summary>Not sent: outside the catalog, or known to rest.</summary>
    [JsonStringEnumMemberName("skipped")] Skipped,
}

/// <summary>Why a model takes no calls for a while. The names are the stored and served text (persisted events hold them).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RestReason>))]
public enum RestReason
{
    [JsonStringEnumMemberName("rate limited")] RateLimited,
    [JsonStringEnumMemberName("model unavailable")] ModelUnavailable,
    [JsonStringEnumMemberName("circuit open")] CircuitOpen,
    [JsonStringEnumMemberName("circuit half-open, probe in flight")] ProbeInFlight,
    [JsonStringEnumMemberName("cooling down")] CoolingDown,
}

public static class RouteVocabulary
{
    private static readonly FrozenDictionary<RestReason, string> RestText = Enum.GetValues<RestReason>().ToFrozenDictionary(
        r => r, r => typeof(RestReason).GetField(r.ToString())!.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()!.Name);

    /// <summary>The reason as people read it (and as it is stored): "rate limited".</summary>
    public static string Text(this RestReason reason) => RestText[reason];
}
