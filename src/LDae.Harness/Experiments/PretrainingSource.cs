using LDae.Harness.Config;

namespace LDae.Harness.Experiments;

/// <summary>
/// Which row's pretraining a row reuses. A row that differs from an earlier row of its chain only in probe.* keys
/// (the probe's time step, noisy input, the encoder/decoder split read…) has the same pretraining identity
/// (<see cref="ConfigTree.PretrainingHash"/>) and would train the very same weights: it probes that row's weights
/// instead (a probe-only row), and the build plan makes it depend on that row's target.
/// </summary>
/// <remarks>
/// The source is the oldest row of the chain with the same identity: rows in between that share it are probe
/// variants themselves. A row whose whole configuration equals its source's is a twin, not a probe-only row: it
/// takes the finished result (same_as), so it has no source here. Rows that pretrain nothing (random-init
/// encoder, raw pixels) have none either.
/// </remarks>
public static class PretrainingSource
{
    /// <summary>The row whose pretrained weights <paramref name="row"/> probes, or null when it pretrains its own (or none).</summary>
    public static ExperimentRow? For(ExperimentRegistry registry, ExperimentRow row, string profile)
    {
        var config = registry.Resolve(row, profile);
        if (!Pretrains(config)) return null;
        var identity = config.PretrainingHash();
        foreach (var ancestor in registry.Chain(row))
        {
            if (ancestor.FullId == row.FullId) return null;
            var other = registry.Resolve(ancestor, profile);
            if (Pretrains(other) && other.PretrainingHash() == identity)
                return other.Hash() == config.Hash() ? null : ancestor;
        }
        return null;
    }

    /// <summary>Whether a configuration probes a pretrained encoder (not the random-init one, not raw pixels).</summary>
    public static bool Pretrains(ConfigTree config) => config.Text("probe.encoder") == "trained";
}
