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
}
