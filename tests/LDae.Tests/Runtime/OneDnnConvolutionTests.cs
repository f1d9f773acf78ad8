using LDae.Runtime;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace LDae.Tests.Runtime;

public class OneDnnConvolutionTests
{
    [LinuxFact("the oneDNN switch is bound on Linux only")]
    public void Disabled_turns_onednn_off_and_restores_the_state_it_found_when_nested()
    {
        bool outside = OneDnnConvolution.Enabled;
        using (OneDnnConvolution.Disabled())
        {
            Assert.False(OneDnnConvolution.Enabled);
            using (OneDnnConvolution.Disabled()) Assert.False(OneDnnConvolution.Enabled);
            Assert.False(OneDnnConvolution.Enabled);
        }
        Assert.Equal(outside, OneDnnConvolution.Enabled);
    }

    [LinuxFact("the oneDNN switch is bound on Linux only")]
    public void Scopes_that_overlap_without_nesting_restore_the_state_only_when_the_last_one_closes()
    {
        bool outside = OneDnnConvolution.Enabled;
        var first = OneDnnConvolution.Disabled();
        var second = OneDnnConvolution.Disabled();
        first.Dispose();                  // closed out of order, as two threads may
        Assert.False(OneDnnConvolution.Enabled);
        first.Dispose();                  // a second Dispose of one scope changes nothing
        Assert.False(OneDnnConvolution.Enabled);
        second.Dispose();
        Assert.Equal(outside, OneDnnConvolution.Enabled);
    }

    [LinuxFact("NNPACK is switched off on Linux only")]
    public void NNPACK_is_off_once_libtorch_is_loaded()
    {
        TorchRuntime.EnsureLoaded();
        Assert.False(LibTorchContext.NnpackEnabled);
    }

    /// <summary>
    /// Shapes whose input gradient libtorch 2.10's oneDNN gets wrong (NaN or far off) on the project's AVX-512 AMD EPYC
    /// machine (see <see cref="OneDnnConvolution"/>): inside <see cref="OneDnnConvolution.Disabled"/> libtorch's own
    /// kernels must give a float64 reference's gradients. On a CPU where oneDNN is right the test holds either way.
    /// </summary>
    [Theory]
    [InlineData(3, 8, 3, 32)]
    [InlineData(8, 8, 3, 32)]
    [InlineData(8, 3, 3, 32)]
    [InlineData(16, 2, 3, 8)]
    [InlineData(16, 1, 4, 8)]
    public void Convolutions_inside_Disabled_give_the_float64_gradients_where_onednn_does_not(int inChannels, int outChannels, int kernel, int size)
    {
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        using var g = new Generator(11, CPU);
        var x = randn([32, inChannels, size, size], generator: g);
        var w = randn([outChannels, inChannels, kernel, kernel], generator: g) * 0.1;
        var upstream = randn(nn.functional.conv2d(x, w, padding: [1, 1]).shape, generator: g);

        (Tensor Input, Tensor Weight) Gradients(ScalarType type)
        {
            var xx = x.to_type(type).requires_grad_();
            var ww = w.to_type(type).requires_grad_();
            (nn.functional.conv2d(xx, ww, padding: [1, 1]) * upstream.to_type(type)).sum().backward();
            return (xx.grad!.to_type(ScalarType.Float64), ww.grad!.to_type(ScalarType.Float64));
        }

        var reference = Gradients(ScalarType.Float64);
        (Tensor Input, Tensor Weight) float32;
        using (OneDnnConvolution.Disabled()) float32 = Gradients(ScalarType.Float32);
        foreach (var (got, want) in new[] { (float32.Input, reference.Input), (float32.Weight, reference.Weight) })
        {
            double error = (got - want).abs().max().item<double>() / want.abs().max().item<double>();
            Assert.True(error < 1e-5, $"relative error {error}");
        }
    }
}
