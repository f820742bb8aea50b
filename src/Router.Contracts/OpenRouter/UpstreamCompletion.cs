using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Router.Contracts.Messages;

namespace Router.Contracts.OpenRouter;

/// <summary>
/// A completion as the upstream sent it: its UTF-8 JSON, served to HTTP clients as is with Router's <c>router</c> field
/// added, and parsed into a <see cref="ChatCompletionResponse"/> only for callers that read it (parsing and writing every
/// answer again cost about 8 % of Router's CPU per request). Made by <see cref="Read"/>, which checks the JSON.
/// </summary>
[JsonConverter(typeof(UpstreamCompletionConverter))]
public sealed class UpstreamCompletion
{
    private static readonly byte[] RouterProperty = ",\"router\":"u8.ToArray();
    private readonly byte[] _json;
    private ChatCompletionResponse? _response;

    private UpstreamCompletion(byte[] json, string? model, bool hasRouter, bool hasError, int choices, TokenUsage? usage)
    {
        _json = json;
        Usage = usage;
        Model = model;
        HasRouterField = hasRouter;
        HasError = hasError;
        Choices = choices;
    }

    public ReadOnlyMemory<byte> Json => _json;

    /// <summary>The top-level <c>model</c>, when it is a string.</summary>
    public string? Model { get; }

    /// <summary>The upstream sent an <c>error</c> object (OpenRouter sometimes answers 200 with one).</summary>
    public bool HasError { get; }

    /// <summary>How many items <c>choices</c> holds (0 when it is missing).</summary>
    public int Choices { get; }

    /// <summary>The answer's <c>usage</c>, when it has one that reads as token counts.</summary>
    public TokenUsage? Usage { get; }

    private bool HasRouterField { get; }

    /// <summary>The answer as typed objects, parsed on first use.</summary>
    public ChatCompletionResponse Response =>
        _response ??= JsonSerializer.Deserialize(_json, RouterJsonContext.Default.ChatCompletionResponse)
                      ?? throw new JsonException("the completion is null");

    /// <summary>
    /// Reads the top level of <paramref name="json"/> (which must be one JSON object) without building objects, checking
    /// the fields Router relies on have the right types. Throws <see cref="JsonException"/> on anything else.
    /// </summary>
    public static UpstreamCompletion Read(byte[] json)
    {
        if (json.AsSpan().StartsWith("\uFEFF"u8))
            json = json[3..]; // a byte order mark, which the serializer skips and a reader does not
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            throw new JsonException("a completion must be a JSON object");
        string? model = null;
        bool hasRouter = false, hasError = false;
        var choices = 0;
        TokenUsage? usage = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("model"u8))
            {
                reader.Read();
                model = reader.TokenType switch
                {
                    JsonTokenType.String => reader.GetString(),
                    JsonTokenType.Null => null,
                    _ => throw new JsonException("'model' must be a string"),
                };
                continue;
            }
            if (reader.ValueTextEquals("choices"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartArray)
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("'choices' must hold objects");
                        reader.Skip();
                        choices++;
                    }
                else if (reader.TokenType != JsonTokenType.Null)
                    throw new JsonException("'choices' must be an array");
                continue;
            }
            if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                usage = TokenUsage.Read(ref reader);
                continue;
            }
            hasRouter |= reader.ValueTextEquals("router"u8);
            var isError = reader.ValueTextEquals("error"u8);
            reader.Read();
            if (isError && reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.Null))
                throw new JsonException("'error' must be an object");
            hasError |= isError && reader.TokenType == JsonTokenType.StartObject;
            reader.Skip();
        }
        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            throw new JsonException("a completion must be one JSON object");
        return new UpstreamCompletion(json, model, hasRouter, hasError, choices, usage);
    }

    /// <summary>A typed answer as an upstream completion, for code that builds answers itself (the tests do).</summary>
    public static UpstreamCompletion From(ChatCompletionResponse response) =>
        Read(JsonSerializer.SerializeToUtf8Bytes(response, RouterJsonContext.Default.ChatCompletionResponse));

    /// <summary>
    /// The body Router serves: the upstream's object with Router's <c>router</c> field appended, byte for byte otherwise.
    /// When upstream named no model, or sent a <c>router</c> field of its own, the object is edited instead (the model
    /// used filled in, theirs replaced by Router's), every other field kept as sent, nulls included.
    /// </summary>
    public byte[] ServedWith(RouterInfo router)
    {
        if (Model is null || HasRouterField)
        {
            var edited = System.Text.Json.Nodes.JsonNode.Parse(_json)!.AsObject();
            if (Model is null) edited["model"] = router.Model;
            edited["router"] = JsonSerializer.SerializeToNode(router, RouterJsonContext.Default.RouterInfo);
            return JsonSerializer.SerializeToUtf8Bytes(edited, RouterJsonContext.Default.JsonObject);
        }
        var routerJson = JsonSerializer.SerializeToUtf8Bytes(router, RouterJsonContext.Default.RouterInfo);
        var closing = _json.AsSpan().TrimEnd(" \t\r\n"u8).Length - 1; // Read saw the object end there
        var body = new byte[closing + RouterProperty.Length + routerJson.Length + 1];
        _json.AsSpan(0, closing).CopyTo(body);
        RouterProperty.CopyTo(body.AsSpan(closing));
        routerJson.CopyTo(body.AsSpan(closing + RouterProperty.Length));
        body[^1] = (byte)'}';
        return body;
    }

    /// <summary>Between nodes the completion travels as the JSON object it is, and is checked again on arrival.</summary>
    private sealed class UpstreamCompletionConverter : JsonConverter<UpstreamCompletion>
    {
        public override UpstreamCompletion Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var document = JsonDocument.ParseValue(ref reader);
            return UpstreamCompletion.Read(JsonMarshal.GetRawUtf8Value(document.RootElement).ToArray()); // the bytes as sent
        }

        public override void Write(Utf8JsonWriter writer, UpstreamCompletion value, JsonSerializerOptions options) =>
            writer.WriteRawValue(value._json, skipInputValidation: true);
    }
}
