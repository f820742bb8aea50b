using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Router.Contracts;
using Router.Contracts.OpenRouter;

namespace Router.Actors.Caching;

/// <summary>
/// What identifies an answer for the response cache: a SHA-256 over a canonical form of everything that determines
/// it: the model or candidate list, the messages, sampling parameters, tools, response format, every other field sent
/// upstream, and Router's own <c>router</c> object (it changes which model answers). Object members are sorted and
/// numbers written in one form, so JSON formatting and field order do not matter. <c>stream</c> is left out: a
/// streamed request can be served from a plain answer and the reverse. A client key, when given, keeps each client's
/// answers apart.
/// </summary>
public static class CacheKey
{
    /// <summary>Fields that change how an answer is delivered, not what it says.</summary>
    private static readonly HashSet<string> Delivery = new(StringComparer.Ordinal) { "stream", "stream_options" };

    public static string For(ChatCompletionRequest request, string? clientKey = null)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(request, RouterJsonContext.Default.ChatCompletionRequest);
        using var document = JsonDocument.Parse(json);
        var buffer = new ArrayBufferWriter<byte>(json.Length + 64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (clientKey is not null) writer.WriteString("$client", clientKey);
            foreach (var property in Sorted(document.RootElement))
            {
                if (Delivery.Contains(property.Name)) continue;
                writer.WritePropertyName(property.Name);
                WriteCanonical(writer, property.Value);
            }
            writer.WriteEndObject();
        }
        return Convert.ToHexStringLower(SHA256.HashData(buffer.WrittenSpan));
    }

    private static void WriteCanonical(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in Sorted(element))
                {
                    writer.WritePropertyName(property.Name);
                    WriteCanonical(writer, property.Value);
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray()) WriteCanonical(writer, item);
                writer.WriteEndArray();
                break;
            case JsonValueKind.Number:
                // 0.70, 7e-1 and 0.7 are one number.
                if (element.TryGetDecimal(out var exact))
                    writer.WriteRawValue(exact.ToString("G29", CultureInfo.InvariantCulture));
                else if (element.TryGetDouble(out var value) && double.IsFinite(value))
                    writer.WriteRawValue(value.ToString("R", CultureInfo.InvariantCulture));
                else
                    element.WriteTo(writer); // beyond a double: as written
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    /// <summary>An object's members by name (each name read once: reading it allocates); no sort when already in order.</summary>
    private static List<(string Name, JsonElement Value)> Sorted(JsonElement element)
    {
        var members = new List<(string Name, JsonElement Value)>();
        var sorted = true;
        foreach (var property in element.EnumerateObject())
        {
            var name = property.Name;
            if (members.Count > 0 && string.CompareOrdinal(members[^1].Name, name) > 0) sorted = false;
            members.Add((name, property.Value));
        }
        if (!sorted) members.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return members;
    }
}
