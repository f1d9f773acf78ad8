using System.Globalization;
using System.Text.RegularExpressions;
using LDae.Harness.Config;

namespace LDae.Harness.Experiments;

/// <summary>
/// What one job of a profile asks a cluster scheduler for (the <c>resources:</c> mapping of a profile in
/// experiments/profiles.yaml). Not part of any row's configuration or hash: where a row runs does not change what
/// it computes. Null means "leave it to the scheduler's default"; CPUs default to the row's <c>train.threads</c>.
/// </summary>
public sealed partial record JobResources
{
    public static readonly JobResources None = new();

    /// <summary>CPUs per job; null: the row's train.threads.</summary>
    public int? Cpus { get; init; }
    /// <summary>Memory per job in Slurm's notation ("4G", "500M").</summary>
    public string? Memory { get; init; }
    /// <summary>Wall-time limit in Slurm's notation ("30", "2:00:00", "1-12:00:00").</summary>
    public string? Time { get; init; }
    /// <summary>GPUs per job, requested only when the build runs on the GPU (--device=cuda).</summary>
    public int Gpus { get; init; } = 1;

    public static readonly IReadOnlyList<string> Keys = ["cpus", "memory", "time", "gpus"];

    /// <summary>
    /// Reads <c>resources.*</c> keys out of a profile's flattened keys (removing them), over the resources of the
    /// profile it extends.
    /// </summary>
    public static JobResources Take(Dictionary<string, object?> values, JobResources inherited, string where)
    {
        var result = inherited;
        foreach (var key in values.Keys.Where(k => k.StartsWith("resources.", StringComparison.Ordinal)).ToList())
        {
            values.Remove(key, out var raw);
            var name = key["resources.".Length..];
            var text = Convert.ToString(raw, CultureInfo.InvariantCulture)?.Trim() ?? "";
            result = name switch
            {
                "cpus" => result with { Cpus = Positive(text, key, where) },
                "gpus" => result with { Gpus = Positive(text, key, where) },
                "memory" when MemoryPattern().IsMatch(text) => result with { Memory = text },
                "memory" => throw new ConfigException(where, key, $"'{text}' is not valid", "a size such as 500M, 4G or 1T"),
                "time" when TimePattern().IsMatch(text) => result with { Time = text },
                "time" => throw new ConfigException(where, key, $"'{text}' is not valid", "a Slurm time limit: minutes, h:mm:ss or d-hh:mm:ss"),
                _ => throw new ConfigException(where, key, "is unknown", "one of: " + string.Join(", ", Keys.Select(k => "resources." + k))),
            };
        }
        return result;
    }

    static int Positive(string text, string key, string where) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n
        : throw new ConfigException(where, key, $"'{text}' is not valid", "a positive integer");

    [GeneratedRegex(@"^[0-9]+[KMGT]?$")]
    private static partial Regex MemoryPattern();

    // Slurm's --time forms: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S.
    [GeneratedRegex(@"^([0-9]+(:[0-9]{1,2}){0,2}|[0-9]+-[0-9]{1,2}(:[0-9]{1,2}){0,2})$")]
    private static partial Regex TimePattern();
}
