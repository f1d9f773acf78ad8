using LDae.Harness;
using LDae.Rows;
using TorchSharp;
using Xunit;

namespace LDae.Tests.Execution;

public class PrecisionCheckTests
{
    [Fact]
    public void Bf16_on_a_cpu_without_native_bf16_is_refused_naming_the_cpu_features()
    {
        var refused = Assert.Throws<InputException>(() => PrecisionCheck.Require("bf16", DeviceType.CPU, cpuFeature: null));
        Assert.Contains("avx512_bf16", refused.Message);
        Assert.Contains("amx_bf16", refused.Message);
        PrecisionCheck.Require("bf16", DeviceType.CPU, "avx512_bf16");
        PrecisionCheck.Require("bf16", DeviceType.CUDA, cpuFeature: null);
        PrecisionCheck.Require("fp32", DeviceType.CPU, cpuFeature: null);
    }

    [Fact]
    public void The_metrics_record_bf16_with_what_ran_it_and_nothing_for_fp32()
    {
        Assert.Equal("bf16 on avx512_bf16", PrecisionCheck.Describe("bf16", DeviceType.CPU, "avx512_bf16"));
        Assert.Equal("bf16 on cuda", PrecisionCheck.Describe("bf16", DeviceType.CUDA, null));
        Assert.Null(PrecisionCheck.Describe("fp32", DeviceType.CPU, "avx512_bf16"));
    }
}
