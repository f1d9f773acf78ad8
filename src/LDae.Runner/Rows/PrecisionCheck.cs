using LDae.Harness;
using LDae.Runtime;
using TorchSharp;

namespace LDae.Rows;

/// <summary>Whether a row's train.precision can run on its device, and what its metrics record of it.</summary>
public static class PrecisionCheck
{
    /// <summary>
    /// Refuses bf16 on a CPU without native bfloat16 products (<paramref name="cpuFeature"/> null) before anything
    /// runs: libtorch would emulate them, slower than float32, under a name that promises speed.
    /// </summary>
    public static void Require(string precision, DeviceType device, string? cpuFeature)
    {
        if (precision == "bf16" && device == DeviceType.CPU && cpuFeature is null)
            throw new InputException($"train.precision bf16: this CPU has neither {string.Join(" nor ", Bf16Support.Features)} (native bfloat16 products); use fp32");
    }

    /// <summary>"bf16 on &lt;CPU feature&gt;" (or "bf16 on cuda"); null for fp32.</summary>
    public static string? Describe(string precision, DeviceType device, string? cpuFeature) =>
        precision != "bf16" ? null
        : device == DeviceType.CPU ? $"bf16 on {cpuFeature ?? "no native bf16"}"
        : $"bf16 on {device.ToString().ToLowerInvariant()}";
}
