using System.Globalization;
using LDae.Harness.Config;

namespace LDae.Harness.Experiments;

/// <summary>
/// Seeds as runs. With n &gt; 1 seeds (a profile's <c>seeds:</c>, or <c>--seeds</c>) seed k = 1…n of a row is a run
/// of its own, <c>&lt;table&gt;/&lt;row&gt;/seed-&lt;k&gt;</c> (a build target and a folder of the results tree), and
/// the row's folder holds their aggregate. With one seed a row is one run in its own folder, as always.
/// </summary>
/// <remarks>
/// Seed k runs the row with <c>train.seed</c> = train.seed + <see cref="Stride"/>·(k − 1): every random stream of the
/// run (training subset, data order, initialisation, diffusion noise, probe) derives from that one number
/// (LDae.Training.Seeding), so seed k of two rows with the same shapes draws the same data order, the same
/// initialisation and the same noise — the rows' seeds pair up. Seed 1 is the row's own seed, so a one-seed result
/// is seed 1 of a multi-seed row. The tokenizer artifact is shared by all seeds (fitted with the row's train.seed):
/// it is a build artifact of its own, and the seed spread therefore leaves out the tokenizer's fit. The config hash
/// is the row's; a seed run is told apart by its folder and its metrics' <c>seed</c>.
/// </remarks>
public static class SeedRuns
{
    public const string FolderPrefix = "seed-";
    /// <summary>The distance between the train.seed of consecutive seeds (any offset gives independent streams: the seeds are hashed).</summary>
    public const long Stride = 1000;

    /// <summary>"table3/pca-ddm/seed-2": seed 2's build target and its folder under results/&lt;profile&gt;/.</summary>
    public static string Id(string row, int seed) => $"{row}/{FolderPrefix}{seed}";

    /// <summary>The results-tree id of a run: the row itself (one seed) or its seed's folder.</summary>
    public static string ResultId(string row, int? seed) => seed is { } k ? Id(row, k) : row;

    /// <summary>Whether <paramref name="name"/> is a seed target; then the row and k (≥ 1).</summary>
    public static bool TryParse(string name, out string row, out int seed)
    {
        (row, seed) = ("", 0);
        int slash = name.LastIndexOf('/');
        if (slash <= 0 || !name.AsSpan(slash + 1).StartsWith(FolderPrefix, StringComparison.Ordinal)) return false;
        if (!int.TryParse(name.AsSpan(slash + 1 + FolderPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out seed) || seed < 1) return false;
        row = name[..slash];
        return true;
    }

    /// <summary>The train.seed seed k runs with.</summary>
    public static long TrainSeed(long rowSeed, int seed)
    {
        if (seed < 1) throw new ArgumentOutOfRangeException(nameof(seed), seed, "seeds are numbered from 1");
        return rowSeed + Stride * (seed - 1);
    }

    /// <summary>The configuration seed k runs: the row's with <see cref="TrainSeed"/>.</summary>
    public static ConfigTree ForSeed(ConfigTree config, int seed) =>
        seed == 1 ? config : config.With(new Dictionary<string, object?> { ["train.seed"] = TrainSeed(config.Int("train.seed"), seed) }, $"seed {seed}");

    /// <summary>Checks a seed count (a profile's <c>seeds:</c> or <c>--seeds</c>).</summary>
    public static int Check(long count, string where) => count is >= 1 and <= 100
        ? (int)count
        : throw new InputException($"{where}: {count} seeds; expected 1 to 100");
}
