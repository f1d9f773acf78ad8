using LDae.Runtime;
using Xunit;

namespace LDae.Tests.Runtime;

public class OneDnnConvolutionTests
{
    [Fact]
    public void Disabled_turns_onednn_off_and_restores_the_state_it_found_when_nested()
    {
        if (!OperatingSystem.IsLinux()) return;   // the switch is bound on Linux only
        bool outside = OneDnnConvolution.Enabled;
        using (OneDnnConvolution.Disabled())
        {
            Assert.False(OneDnnConvolution.Enabled);
            using (OneDnnConvolution.Disabled()) Assert.False(OneDnnConvolution.Enabled);
            Assert.False(OneDnnConvolution.Enabled);
        }
        Assert.Equal(outside, OneDnnConvolution.Enabled);
    }

    [Fact]
    public void Scopes_that_overlap_without_nesting_restore_the_state_only_when_the_last_one_closes()
    {
        if (!OperatingSystem.IsLinux()) return;
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

    [Fact]
    public void NNPACK_is_off_once_libtorch_is_loaded()
    {
        if (!OperatingSystem.IsLinux()) return;
        TorchRuntime.EnsureLoaded();
        Assert.False(LibTorchContext.NnpackEnabled);
    }
}
