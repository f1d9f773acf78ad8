using LDae.Harness.Experiments;

namespace LDae.Harness.Execution;

/// <summary>
/// Rows of one build that resolve to the same configuration (and seed) are the same experiment: the first one
/// started runs it, and every later twin waits for it and takes its result.
/// </summary>
public sealed class ConfigTwins
{
    readonly Dictionary<string, StepRun> byConfig = new(StringComparer.Ordinal);

    /// <summary>What makes two row targets the same experiment: the configuration hash, and the seed of a seed target.</summary>
    public static string Key(string name, string hash) => SeedRuns.TryParse(name, out _, out var seed) ? SeedRuns.Id(hash, seed) : hash;

    /// <summary>The run started earlier in this build with this key, if any.</summary>
    public StepRun? Of(string key) => byConfig.GetValueOrDefault(key);

    /// <summary>The first run started with a key is the one its twins wait for.</summary>
    public void Started(string key, StepRun run) => byConfig.TryAdd(key, run);
}
