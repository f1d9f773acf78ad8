using LDae.Data;
using LDae.Harness.Config;
using LDae.Runtime;

namespace LDae.Rows;

/// <summary>
/// The content digest of the data a resolved configuration names, as it is now (<see cref="Datasets.ContentDigest"/>:
/// read from beside the data cache, the cache built first where there is none), once per dataset per process: what
/// the up-to-date rule compares a result's <c>data_digest</c> with.
/// </summary>
public sealed class RowDataDigests(string repoRoot, TextWriter log)
{
    readonly Dictionary<DatasetSpec, string> known = [];

    public string Of(ConfigTree config)
    {
        var spec = RunSettings.Dataset(config, repoRoot);
        if (known.TryGetValue(spec, out var digest)) return digest;
        TorchRuntime.EnsureLoaded(); // a cache built or hashed here holds tensors; the run sets its threads later
        return known[spec] = Datasets.ContentDigest(spec, Datasets.DefaultCacheDir(), log);
    }

    /// <summary><see cref="Of"/>, or null when the data cannot be found or read (for what only reports, like an estimate).</summary>
    public string? TryOf(ConfigTree config)
    {
        try { return Of(config); }
        catch (DatasetException) { return null; }
    }
}
