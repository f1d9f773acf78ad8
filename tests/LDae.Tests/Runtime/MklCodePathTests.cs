using LDae.Harness;
using LDae.Rows;
using LDae.Runtime;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace LDae.Tests.Runtime;

public class MklCodePathTests
{
    [Fact]
    public void The_cached_answer_is_found_from_the_functions_first_instructions_and_nowhere_else()
    {
        // libtorch 2.10's mkl_serv_intel_cpu_true: mov eax, [rip + 0x0998671a]; test eax, eax; js +1; ret
        byte[] code = [0x8B, 0x05, 0x1A, 0x67, 0x98, 0x09, 0x85, 0xC0, 0x78, 0x01, 0xC3];
        Assert.Equal(6L + 0x0998671A, MklCodePath.CachedAnswerOffset(code));

        byte[] negative = [0x8B, 0x05, 0xF0, 0xFF, 0xFF, 0xFF, 0x85, 0xC0, 0x78, 0x01, 0xC3];
        Assert.Equal(6L - 16, MklCodePath.CachedAnswerOffset(negative));

        byte[] otherCode = [0x55, 0x48, 0x89, 0xE5, 0x98, 0x09, 0x85, 0xC0, 0x78, 0x01, 0xC3];
        Assert.Null(MklCodePath.CachedAnswerOffset(otherCode));
        byte[] noEarlyReturn = [0x8B, 0x05, 0x1A, 0x67, 0x98, 0x09, 0x85, 0xC0, 0x78, 0x02, 0xC3];
        Assert.Null(MklCodePath.CachedAnswerOffset(noEarlyReturn));
        Assert.Null(MklCodePath.CachedAnswerOffset(code.AsSpan(0, 10)));
    }

    [LinuxFact("MKL's code path is read and patched in libtorch's ELF image on Linux")]
    public void Mkl_runs_its_AVX512_path_where_only_the_vendor_check_held_it_back()
    {
        TorchRuntime.EnsureLoaded();
        var path = MklCodePath.Describe();
        Assert.StartsWith("MKL 20", path);
        if (MklCodePath.VendorCheckHoldsBack()
            && !string.Equals(Environment.GetEnvironmentVariable(MklCodePath.EnvironmentVariable), "vendor", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Equal(MklCodePath.Outcome.CpuFeatureCheck, MklCodePath.Applied);
            Assert.Contains("AVX-512", path);
        }
        else
        {
            Assert.NotEqual(MklCodePath.Outcome.CpuFeatureCheck, MklCodePath.Applied);
        }
    }

    [Fact]
    public void Matmuls_on_the_chosen_path_agree_with_a_double_precision_reference()
    {
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        var generator = new Generator(7);
        // odd sizes reach the kernels' edge handling; 300 × 400 · 400 × 129 goes through MKL's sgemm
        var a = randn(300, 400, generator: generator);
        var b = randn(400, 129, generator: generator);
        var product = a.matmul(b);
        var reference = a.to(ScalarType.Float64).matmul(b.to(ScalarType.Float64));
        var error = (product.to(ScalarType.Float64) - reference).abs().max().item<double>();
        // each entry is a sum of 400 products of unit normals (magnitude ~20): fp32 accumulation errs by ~1e-5 of that
        Assert.True(error < 2e-3, $"largest error {error}");
        // the same product again is bit-identical
        Assert.True(product.equal(a.matmul(b)).all().item<bool>());
    }

    [LinuxFact("MKL's code path is read from libtorch's ELF image on Linux")]
    public void A_rows_provenance_names_the_MKL_code_path_on_the_CPU_and_none_on_the_GPU()
    {
        var started = DateTimeOffset.UtcNow;
        var cpu = RunProvenance.Capture(Repo.Root(), "cpu", threads: 1, seed: 0, started);
        Assert.Equal(MklCodePath.Describe(), cpu.Blas);
        Assert.StartsWith("MKL 20", cpu.Blas);
        Assert.Null(RunProvenance.Capture(Repo.Root(), "cuda", threads: 1, seed: 0, started).Blas);
    }
}
