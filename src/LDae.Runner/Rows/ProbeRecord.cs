using LDae.Harness.Config;
using LDae.Harness.Results;
using LDae.Method;

namespace LDae.Rows;

/// <summary>The probe settings a row records in metrics.json and its log line.</summary>
static class ProbeRecord
{
    /// <param name="readout">The encoder's readout; null for raw pixels (no encoder, so no t and no blocks).</param>
    public static ProbeSetup Of(ConfigTree config, ProbeReadout? readout) => new()
    {
        T = readout?.T,
        NoisyInput = readout?.NoisyInput ?? false,
        Blocks = readout?.Blocks,
        Features = config.Text("probe.features"),
        Optimizer = config.Text("probe.optimizer"),
    };

    /// <summary>"cached features, sgd, t = 10, clean input, after 2 blocks".</summary>
    public static string Describe(ProbeSetup p) =>
        $"{p.Features} features, {p.Optimizer}"
        + (p.T is { } t ? $", t = {t}, {(p.NoisyInput ? "noisy" : "clean")} input, after {p.Blocks} blocks" : "");
}
