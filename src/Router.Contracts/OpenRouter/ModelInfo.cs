using System.Text.Json;
using System.Text.Json.Serialization;

namespace Router.Contracts.OpenRouter;

/// <summary>One entry of OpenRouter's <c>GET /models</c> list. Fields OpenRouter may send as null are nullable.</summary>
public sealed record ModelInfo
{
    public required string Id { get; init; }
    public string? CanonicalSlug { get; init; }
    public string? Name { get; init; }
    public long? Created { get; init; }
    public string? Description { get; init; }
    public int? ContextLength { get; init; }
    public ModelArchitecture? Architecture { get; init; }
    public ModelPricing? Pricing { get; init; }
    public TopProvider? TopProvider { get; init; }
    public JsonElement? PerRequestLimits { get; init; }
    public IReadOnlyList<string>? SupportedParameters { get; init; }

    /// <summary>Fields this record does not model, kept so <c>/v1/models</c> can pass them through.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>Prices per token, as decimal strings (OpenRouter's format).</summary>
public sealed record ModelPricing
{
    public string? Prompt { get; init; }
    public string? Completion { get; init; }
    public string? Request { get; init; }
    public string? Image { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed record ModelArchitecture
{
    public string? Modality { get; init; }
    public IReadOnlyList<string>? InputModalities { get; init; }
    public IReadOnlyList<string>? OutputModalities { get; init; }
    public string? Tokenizer { get; init; }
    public string? InstructType { get; init; }
}

public sealed record TopProvider
{
    public int? ContextLength { get; init; }
    public int? MaxCompletionTokens { get; init; }
    public bool? IsModerated { get; init; }
}

/// <summary>The envelope of <c>GET /models</c>: <c>{"data": [...]}</c>.</summary>
public sealed record ModelList(IReadOnlyList<ModelInfo> Data);
