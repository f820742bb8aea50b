using System.Text.Json;
using System.Text.Json.Serialization;

namespace Router.Contracts;

/// <summary>
/// The JSON conventions of everything Router writes itself (answers, errors, reports, persisted and remote messages):
/// snake_case names, nulls omitted, enums as snake_case strings. Wire types the upstream owns keep their own exact
/// form (<see cref="RouterJsonContext"/>, raw upstream bytes).
/// </summary>
public static class RouterJson
{
    public static readonly JsonSerializerOptions Default = Create();

    /// <summary>The conventions, for callers that add to them (a type resolver, converters, indentation).</summary>
    public static JsonSerializerOptions Create(bool indented = false) => new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = indented,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };
}
