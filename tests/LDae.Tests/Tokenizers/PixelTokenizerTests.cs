using LDae.Runtime;
using LDae.Tests.Method;
using LDae.Tokenizers;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Tokenizers;

public class PixelTokenizerTests
{
    public PixelTokenizerTests() => TorchRuntime.EnsureLoaded(threads: 1);

    [Fact]
    public void Latent_is_the_image()
    {
        using var scope = NewDisposeScope();
        using var tok = new PixelTokenizer(3);
        Assert.Equal(1, tok.Patch);
        Assert.Equal(3, tok.LatentDim);
        var img = rand(2, 3, 8, 8) * 2 - 1;
        Assert.True(TensorAssert.Identical(tok.Encode(img), img));
        Assert.True(TensorAssert.Identical(tok.Decode(tok.Encode(img)), img));
        Assert.Throws<ArgumentException>(() => tok.Encode(zeros(2, 1, 8, 8)));
    }

    [Fact]
    public void Downscaled_latent_is_the_area_resized_image_and_the_token_count_stays()
    {
        // The paper's Fig. 5: image resized to 1/f of its side, patch p/f — same tokens, d = (p/f)²·C.
        using var scope = NewDisposeScope();
        using var tok = new PixelTokenizer(3, downscale: 4);
        Assert.Equal((4, 3), (tok.Patch, tok.LatentDim));
        var img = rand(2, 3, 16, 16) * 2 - 1;
        var z = tok.Encode(img);
        Assert.Equal(new long[] { 2, 3, 4, 4 }, z.shape);
        Assert.Equal(img[1, 2, 4..8, 8..12].mean().item<float>(), z[1, 2, 1, 2].item<float>(), 5);   // a 4×4 block's mean
        var back = tok.Decode(z);
        Assert.Equal(img.shape, back.shape);
        Assert.True(TensorAssert.Identical(back[.., .., 4..8, 8..12], z[.., .., 1..2, 2..3].expand(2, 3, 4, 4)));
        Assert.Throws<ArgumentException>(() => tok.Encode(zeros(1, 3, 10, 10)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PixelTokenizer(3, downscale: 0));

        // with the backbone patch p/f the token grid is that of patch p on the full image
        var options = new LDae.Method.DenoiserOptions { ImageSize = 16, Width = 16, Depth = 2, Heads = 2, TokenPatch = 8 / 4 };
        var backbone = LDae.Method.Denoiser.BackboneFor(tok, options);
        Assert.Equal((16 / 8) * (16 / 8), backbone.TokenCount);
        Assert.Equal(3 * 2 * 2, backbone.InChannels * backbone.Patch * backbone.Patch);                 // d = (p/f)²·C per token
    }
}
