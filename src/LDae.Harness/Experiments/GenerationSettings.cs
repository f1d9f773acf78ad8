using System.Globalization;
using LDae.Harness.Config;

namespace LDae.Harness.Experiments;

/// <summary>
/// How a profile measures generation quality (the <c>fid:</c> mapping of a profile in experiments/profiles.yaml):
/// how many images to sample, with which sampler and how many steps. Not part of any row's configuration or hash —
/// it is measured on a trained row and can be measured again without retraining. The Fréchet distance is biased
/// upwards at small sample counts, so the count goes with every number.
/// </summary>
public sealed record GenerationSettings
{
    public static readonly GenerationSettings Default = new();

    /// <summary>Generated images, and real test images they are compared with.</summary>
    public int Samples { get; init; } = 1000;
    /// <summary>"ddim" or "ddpm".</summary>
    public string Sampler { get; init; } = "ddim";
    /// <summary>Network evaluations per sample.</summary>
    public int Steps { get; init; } = 50;
    /// <summary>Classifier-free guidance scale for class-conditional rows (1: none).</summary>
    public double Guidance { get; init; } = 1.0;

    public static readonly IReadOnlyList<string> Keys = ["samples", "sampler", "steps", "guidance"];
    public static readonly IReadOnlyList<string> Samplers = ["ddim", "ddpm"];

    /// <summary>Reads <c>fid.*</c> keys out of a profile's flattened keys (removing them), over the inherited settings.</summary>
    public static GenerationSettings Take(Dictionary<string, object?> values, GenerationSettings inherited, string where)
    {
        var result = inherited;
        foreach (var key in values.Keys.Where(k => k.StartsWith("fid.", StringComparison.Ordinal)).ToList())
        {
            values.Remove(key, out var raw);
            var text = Convert.ToString(raw, CultureInfo.InvariantCulture)?.Trim() ?? "";
            result = key["fid.".Length..] switch
            {
                "samples" => result with { Samples = Positive(text, key, where) },
                "steps" => result with { Steps = Positive(text, key, where) },
                "sampler" when Samplers.Contains(text) => result with { Sampler = text },
                "sampler" => throw new ConfigException(where, key, $"'{text}' is not valid", string.Join(" or ", Samplers)),
                "guidance" when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var w) && w >= 0 => result with { Guidance = w },
                "guidance" => throw new ConfigException(where, key, $"'{text}' is not valid", "a number ≥ 0 (1: no guidance)"),
                _ => throw new ConfigException(where, key, "is unknown", "one of: " + string.Join(", ", Keys.Select(k => "fid." + k))),
            };
        }
        return result;
    }

    static int Positive(string text, string key, string where) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n
        : throw new ConfigException(where, key, $"'{text}' is not valid", "a positive integer");
}
