using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Akka.Actor;
using Akka.Serialization;
using Akka.Streams;
using Router.Contracts.Messages;

namespace Router.Contracts.Serialization;

/// <summary>
/// System.Text.Json serializer for every <see cref="IRouterMessage"/>: persisted events and snapshots, and remote
/// messages. Each type's manifest is fixed in <see cref="MessageManifests"/>, so a type can be renamed freely.
/// Stream references inside messages are written with Akka's own serializer for them.
/// </summary>
public sealed class RouterSerializer : SerializerWithStringManifest
{
    public const int Id = 7301;

    private readonly JsonSerializerOptions _options;

    public RouterSerializer(ExtendedActorSystem system) : base(system)
    {
        _options = CreateOptions(system);
    }

    public override int Identifier => Id;

    public static IReadOnlyCollection<Type> MessageTypes => MessageManifests.ByType.Keys;

    public override string Manifest(object o) => MessageManifests.ByType.TryGetValue(o.GetType(), out var manifest)
        ? manifest
        : throw new System.Runtime.Serialization.SerializationException($"{o.GetType().Name} has no manifest in {nameof(MessageManifests)}");

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), _options);

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!MessageManifests.ByManifest.TryGetValue(manifest, out var type) && !MessageManifests.ByLegacyName.TryGetValue(manifest, out type))
            throw new System.Runtime.Serialization.SerializationException($"Unknown Router message manifest '{manifest}'");
        return JsonSerializer.Deserialize(bytes, type, _options)
               ?? throw new System.Runtime.Serialization.SerializationException($"Router message '{manifest}' deserialized to null");
    }

    public static JsonSerializerOptions CreateOptions(ExtendedActorSystem? system)
    {
        var options = RouterJson.Create();
        options.TypeInfoResolver = JsonTypeInfoResolver.Combine(RouterJsonContext.Default, new DefaultJsonTypeInfoResolver());
        if (system is not null)
            options.Converters.Add(new SourceRefConverter(system));
        return options;
    }

    /// <summary>Writes an <see cref="ISourceRef{TOut}"/> through Akka's own stream-ref serializer, as base64.</summary>
    private sealed class SourceRefConverter(ExtendedActorSystem system) : JsonConverter<ISourceRef<StreamItem>>
    {
        public override ISourceRef<StreamItem> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            var bytes = root.GetProperty("bytes").GetBytesFromBase64();
            var serializerId = root.GetProperty("serializer").GetInt32();
            var manifest = root.GetProperty("manifest").GetString() ?? "";
            return (ISourceRef<StreamItem>)system.Serialization.Deserialize(bytes, serializerId, manifest);
        }

        public override void Write(Utf8JsonWriter writer, ISourceRef<StreamItem> value, JsonSerializerOptions options)
        {
            if (value is SameNodeSourceRef<StreamItem>)
                throw SameNodeSourceRef.CannotLeaveNode();
            var serializer = system.Serialization.FindSerializerFor(value);
            writer.WriteStartObject();
            writer.WriteNumber("serializer", serializer.Identifier);
            writer.WriteString("manifest", Akka.Serialization.Serialization.ManifestFor(serializer, value));
            writer.WriteBase64String("bytes", serializer.ToBinary(value));
            writer.WriteEndObject();
        }
    }
}
