using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Router.Contracts.OpenRouter;

/// <summary>
/// One stream chunk as the upstream sent it: its UTF-8 JSON, forwarded to HTTP clients byte for byte (so every field,
/// a <c>null</c> included, arrives as sent), with the typed <see cref="Chunk"/> Router reads from it.
/// </summary>
[JsonConverter(typeof(UpstreamChunkConverter))]
public sealed class UpstreamChunk
{
    private readonly byte[] _json;

    private UpstreamChunk(byte[] json, ChatCompletionChunk chunk)
    {
        _json = json;
        Chunk = chunk;
        HasContent = chunk.Choices?.Any(c => !string.IsNullOrEmpty(c.Delta?.Content) || c.FinishReason is not null
            || c.Delta?.Extra?.Values.Any(v => v.ValueKind != JsonValueKind.Null) == true) == true;
    }

    public ReadOnlyMemory<byte> Json => _json;

    public ChatCompletionChunk Chunk { get; }

    /// <summary>
    /// The chunk carries part of an answer: text, a finish reason, or any other delta (tool calls, refusals). Role-only
    /// deltas, empty <c>choices</c> and usage-only chunks do not.
    /// </summary>
    public bool HasContent { get; }

    /// <summary>Parses one chunk; throws <see cref="JsonException"/> when it is not a chunk object.</summary>
    public static UpstreamChunk Read(byte[] json) =>
        new(json, JsonSerializer.Deserialize(json, RouterJsonContext.Default.ChatCompletionChunk) ?? throw new JsonException("the chunk is null"));

    public static UpstreamChunk Read(string json) => Read(Encoding.UTF8.GetBytes(json));

    /// <summary>A typed chunk as an upstream chunk, for code that builds chunks itself (the tests do).</summary>
    public static UpstreamChunk From(ChatCompletionChunk chunk) =>
        Read(JsonSerializer.SerializeToUtf8Bytes(chunk, RouterJsonContext.Default.ChatCompletionChunk));

    /// <summary>Between nodes the chunk travels as the JSON object it is.</summary>
    private sealed class UpstreamChunkConverter : JsonConverter<UpstreamChunk>
    {
        public override UpstreamChunk Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var document = JsonDocument.ParseValue(ref reader);
            return UpstreamChunk.Read(JsonMarshal.GetRawUtf8Value(document.RootElement).ToArray());
        }

        public override void Write(Utf8JsonWriter writer, UpstreamChunk value, JsonSerializerOptions options) =>
            writer.WriteRawValue(value._json, skipInputValidation: true);
    }
}
