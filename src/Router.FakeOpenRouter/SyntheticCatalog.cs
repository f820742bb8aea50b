using System.Text.Json;
using Router.Contracts;
using Router.Contracts.OpenRouter;

namespace Router.FakeOpenRouter;

/// <summary>A deterministic catalog of synthetic models in OpenRouter's shape, with <c>:free</c> variants.</summary>
public static class SyntheticCatalog
{
    private static readonly string[] Providers =
        ["openai", "anthropic", "google", "meta-llama", "mistralai", "qwen", "deepseek", "cohere", "x-ai", "nvidia", "microsoft", "amazon"];

    private static readonly string[] Families = ["nova", "orion", "lumen", "atlas", "vega", "zephyr", "quill", "ember", "drift", "sage"];
    private static readonly string[] Sizes = ["mini", "small", "medium", "large", "xl", "8b", "70b", "405b"];
    private static readonly int[] Contexts = [4096, 8192, 16384, 32768, 65536, 128000, 131072, 200000, 1000000];

    public static IReadOnlyList<ModelInfo> Generate(int count, int seed = 42)
    {
        var random = new Random(seed);
        var models = new List<ModelInfo>(count);
        var created = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        for (var i = 0; models.Count < count; i++)
        {
            var provider = Providers[i % Providers.Length];
            var family = Families[i / Providers.Length % Families.Length];
            var size = Sizes[i / (Providers.Length * Families.Length) % Sizes.Length];
            var generation = i / (Providers.Length * Families.Length * Sizes.Length) + 1;
            var id = $"{provider}/{family}-{generation}-{size}";
            var context = Contexts[random.Next(Contexts.Length)];
            var promptPrice = Math.Round(random.NextDouble() * 0.00001, 9);
            models.Add(Model(id, context, promptPrice, created + i * 3600, random.Next(3) == 0));
            // Every fourth model also has a free variant, as OpenRouter lists them.
            if (i % 4 == 0 && models.Count < count)
                models.Add(Model(id + ":free", context, 0, created + i * 3600, moderated: false));
        }
        return models;
    }

    public static ModelInfo Model(string id, int contextLength, double promptPrice = 0.000001, long created = 1735689600, bool moderated = false)
    {
        var free = promptPrice == 0;
        var price = free ? "0" : promptPrice.ToString("0.#########", System.Globalization.CultureInfo.InvariantCulture);
        var name = id.Split('/')[^1].Replace(":free", " (free)", StringComparison.Ordinal);
        // Written as JSON, nulls included, the way OpenRouter lists a model.
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", id);
            json.WriteString("canonical_slug", id.Replace(":free", "", StringComparison.Ordinal));
            json.WriteNull("hugging_face_id");
            json.WriteString("name", $"Synthetic: {name}");
            json.WriteNumber("created", created);
            json.WriteString("description", $"A synthetic model served by the fake OpenRouter ({id}).");
            json.WriteNumber("context_length", contextLength);
            json.WriteStartObject("architecture");
            json.WriteString("modality", "text->text");
            json.WriteStartArray("input_modalities"); json.WriteStringValue("text"); json.WriteEndArray();
            json.WriteStartArray("output_modalities"); json.WriteStringValue("text"); json.WriteEndArray();
            json.WriteString("tokenizer", "Other");
            json.WriteNull("instruct_type");
            json.WriteEndObject();
            json.WriteStartObject("pricing");
            json.WriteString("prompt", price);
            json.WriteString("completion", free ? "0" : price);
            json.WriteString("request", "0");
            json.WriteString("image", "0");
            json.WriteEndObject();
            json.WriteStartObject("top_provider");
            json.WriteNumber("context_length", contextLength);
            if (free) json.WriteNull("max_completion_tokens"); else json.WriteNumber("max_completion_tokens", 4096);
            json.WriteBoolean("is_moderated", moderated);
            json.WriteEndObject();
            json.WriteNull("per_request_limits");
            json.WriteStartArray("supported_parameters");
            foreach (var parameter in new[] { "max_tokens", "temperature", "top_p", "stop", "stream", "tools", "tool_choice" })
                json.WriteStringValue(parameter);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return JsonSerializer.Deserialize(buffer.ToArray(), RouterJsonContext.Default.ModelInfo)!;
    }
}
