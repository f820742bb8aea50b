using System.Text.Json;
using System.Text.Json.Serialization;

namespace Router.Contracts.OpenRouter;

/// <summary>
/// A chat message. <see cref="Content"/> stays raw JSON because OpenAI allows a string, an array of parts or null
/// (an assistant message with tool calls); a <c>null</c> is kept and forwarded, an absent content stays absent
/// (<c>default</c>, of kind <see cref="JsonValueKind.Undefined"/>). Other fields (tool calls, names) pass through in
/// <see cref="Extra"/>.
/// </summary>
public sealed record ChatMessage
{
    public required string Role { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public JsonElement Content { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }

    public static ChatMessage Text(string role, string text) =>
        new() { Role = role, Content = JsonSerializer.SerializeToElement(text, RouterJsonContext.Default.String) };

    /// <summary>The text of the content: the string itself, or the text parts of an array joined.</summary>
    [JsonIgnore]
    public string ContentText => Content switch
    {
        { ValueKind: JsonValueKind.String } s => s.GetString() ?? "",
        { ValueKind: JsonValueKind.Array } a => string.Concat(a.EnumerateArray()
            .Where(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
            .Select(p => p.GetProperty("text").GetString())),
        _ => "",
    };
}

/// <summary>
/// An OpenAI/OpenRouter chat completion request. Fields Router does not interpret (tools, top_p, response_format, ...)
/// are kept in <see cref="Extra"/> and forwarded unchanged.
/// </summary>
public sealed record ChatCompletionRequest
{
    public string? Model { get; init; }

    /// <summary>OpenRouter's per-request fallback list.</summary>
    public IReadOnlyList<string>? Models { get; init; }

    public required IReadOnlyList<ChatMessage> Messages { get; init; }
    public bool? Stream { get; init; }
    public double? Temperature { get; init; }
    public int? MaxTokens { get; init; }

    /// <summary>Router's own <c>router</c> object: read by Router, never sent upstream.</summary>
    [JsonPropertyName("router")]
    public RouterOptions? RouterOptions { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>
/// A request's <c>router</c> object: constraints on the models Router may choose. Fields Router does not know are
/// kept in <see cref="Unknown"/> so that they are refused (a client asking for something Router does not do must not
/// get something else silently).
/// </summary>
public sealed record RouterOptions
{
    /// <summary>Highest prices accepted, in USD per million tokens (OpenRouter's unit).</summary>
    public PriceLimit? MaxPrice { get; init; }

    /// <summary>Only models whose prompt and completion are free.</summary>
    public bool? FreeOnly { get; init; }

    /// <summary>Serve this request from the response cache (and store its answer) whatever its temperature.</summary>
    public bool? Cache { get; init; }

    /// <summary>How candidates are ordered; absent: the node's default (<c>ROUTER_DEFAULT_SORT</c>).</summary>
    public RouteSort? Sort { get; init; }

    /// <summary>
    /// Whether the request's own <c>model</c> and <c>models</c> are tried before the other candidates (the default),
    /// sorted among themselves; false: they are sorted together with the rest.
    /// </summary>
    public bool? ListedFirst { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; set; }
}

/// <summary>How a request's candidates are ordered (<c>router.sort</c>).</summary>
[JsonConverter(typeof(RouteSortConverter))]
public enum RouteSort
{
    /// <summary>The configured order: the request's models, the default, the fallbacks, the catalog by context length.</summary>
    Priority,
    /// <summary>Cheapest expected cost of this request first.</summary>
    Price,
    /// <summary>Shortest measured time to first token (or latency) first.</summary>
    Latency,
    /// <summary>Most measured completion tokens per second first.</summary>
    Throughput,
    /// <summary>Best blend of expected cost, latency and recent error rate first.</summary>
    Score,
}

/// <summary>Names only (<c>"price"</c>): a number is not a strategy.</summary>
public sealed class RouteSortConverter() : JsonStringEnumConverter<RouteSort>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false);

/// <summary>Prices in USD per million tokens; an absent one is not limited.</summary>
public sealed record PriceLimit
{
    public double? Prompt { get; init; }
    public double? Completion { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; set; }
}

public sealed record Usage
{
    public int PromptTokens { get; init; }
    public int CompletionTokens { get; init; }
    public int TotalTokens { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed record ChatCompletionResponse
{
    public string? Id { get; init; }
    public string? Provider { get; init; }
    public string? Model { get; init; }
    public string? Object { get; init; }
    public long? Created { get; init; }
    public IReadOnlyList<ChatChoice>? Choices { get; init; }
    public Usage? Usage { get; init; }

    /// <summary>OpenRouter sometimes answers 200 with an error object instead of choices.</summary>
    public ErrorDetail? Error { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed record ChatChoice
{
    public int Index { get; init; }
    public ChatMessage? Message { get; init; }
    public string? FinishReason { get; init; }
    public string? NativeFinishReason { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed record ChatCompletionChunk
{
    public string? Id { get; init; }
    public string? Provider { get; init; }
    public string? Model { get; init; }
    public string? Object { get; init; }
    public long? Created { get; init; }
    public IReadOnlyList<ChunkChoice>? Choices { get; init; }
    public Usage? Usage { get; init; }

    /// <summary>A mid-stream error: OpenRouter sends it as a chunk after the 200 headers.</summary>
    public ErrorDetail? Error { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed record ChunkChoice
{
    public int Index { get; init; }
    public ChatDelta? Delta { get; init; }

    /// <summary>Required and nullable in OpenAI's chunk schema: written as <c>null</c> until the last chunk.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? FinishReason { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? NativeFinishReason { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed record ChatDelta
{
    public string? Role { get; init; }
    public string? Content { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
