using System.Text.Json;
using System.Text.Json.Serialization;

namespace Router.Contracts;

/// <summary>An OpenRouter model id such as <c>openai/gpt-4o</c> or <c>meta-llama/llama-3-8b:free</c>.</summary>
[JsonConverter(typeof(ModelIdJsonConverter))]
public readonly record struct ModelId(string Value)
{
    public override string ToString() => Value;
}

public sealed class ModelIdJsonConverter : JsonConverter<ModelId>
{
    public override ModelId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        new(reader.GetString() ?? throw new JsonException("model id must be a string"));

    public override void Write(Utf8JsonWriter writer, ModelId value, JsonSerializerOptions options) => writer.WriteStringValue(value.Value);
}
