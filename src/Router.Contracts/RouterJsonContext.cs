using System.Text.Json.Serialization;
using Router.Contracts.OpenRouter;

namespace Router.Contracts;

/// <summary>Source-generated System.Text.Json metadata for every wire type: snake_case, nulls omitted.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(ChatCompletionRequest))]
[JsonSerializable(typeof(ChatCompletionResponse))]
[JsonSerializable(typeof(ChatCompletionChunk))]
[JsonSerializable(typeof(ErrorEnvelope))]
[JsonSerializable(typeof(KeyInfoEnvelope))]
[JsonSerializable(typeof(ModelInfo))]
[JsonSerializable(typeof(Router.Contracts.Messages.RouterInfo))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(IReadOnlyList<ChatMessage>))]
[JsonSerializable(typeof(System.Text.Json.Nodes.JsonObject))]
[JsonSerializable(typeof(System.Text.Json.Nodes.JsonNode))]
public sealed partial class RouterJsonContext : JsonSerializerContext;
