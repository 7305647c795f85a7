using OrleansReco.Core.Serving;

namespace OrleansReco.Core.Tests.Serving;

public sealed class FilterAndRuleTests
{
    private static DictionaryItemFields Fields(string category, string productType) =>
        new(new Dictionary<string, string> { ["category"] = category, ["product_type"] = productType });

    [Fact]
    public void Allows_ExcludesSeenAndUnavailableItems()
    {
        var filter = ItemFilter.None with { ExcludedItemIds = new HashSet<string> { "seen" } };
        Assert.False(filter.Allows("seen", available: true, Fields("a", "x")));
        Assert.False(filter.Allows("other", available: false, Fields("a", "x")));
        Assert.True(filter.Allows("other", available: true, Fields("a", "x")));
        Assert.True((filter with { OnlyAvailable = false }).Allows("other", available: false, Fields("a", "x")));
    }

    [Fact]
    public void Allows_RequireAndExcludeConstraints_CaseInsensitive()
    {
        var filter = ItemFilter.None
            .With(new FieldConstraint("category", ConstraintKind.Require, ["Shoes", "hats"]))
            .With(new FieldConstraint("product_type", ConstraintKind.Exclude, ["gift_card"]));
        Assert.True(filter.Allows("i", true, Fields("shoes", "item")));
        Assert.False(filter.Allows("i", true, Fields("bags", "item")));
        Assert.False(filter.Allows("i", true, Fields("HATS", "gift_card")));
        Assert.False(filter.Allows("i", true, new DictionaryItemFields(new Dictionary<string, string>())));
    }

    [Fact]
    public void FieldConstraint_ThrowsForEmptyValues()
    {
        var error = Assert.Throws<ArgumentException>(() => new FieldConstraint("category", ConstraintKind.Require, []));
        Assert.Contains("'category'", error.Message);
    }

    [Fact]
    public void Apply_AddsConstraintsOfMatchingRulesOnly()
    {
        var rules = RuleSet.Parse("""
            [
              { "name": "young-no-alcohol", "when": { "profile.age_group": "18-25" }, "exclude": { "category": ["alcohol"] } },
              { "name": "mobile-apps", "when": { "context.device": "mobile" }, "require": { "product_type": ["app"] } }
            ]
            """);
        var profile = new Dictionary<string, string> { ["age_group"] = "18-25" };
        var context = new Dictionary<string, string> { ["device"] = "desktop" };

        var (filter, applied) = RuleEngine.Apply(ItemFilter.None, rules, profile, context);

        Assert.Equal(["young-no-alcohol"], applied);
        Assert.False(filter.Allows("beer", true, Fields("alcohol", "drink")));
        Assert.True(filter.Allows("juice", true, Fields("soft", "drink")));

        var (mobile, appliedMobile) = RuleEngine.Apply(ItemFilter.None, rules, null, new Dictionary<string, string> { ["device"] = "Mobile" });
        Assert.Equal(["mobile-apps"], appliedMobile);
        Assert.False(mobile.Allows("x", true, Fields("alcohol", "drink")));
        Assert.True(mobile.Allows("x", true, Fields("alcohol", "app")));
    }

    [Theory]
    [InlineData("{}", "JSON array")]
    [InlineData("[{\"when\": {}}]", "exactly one of 'exclude' or 'require'")]
    [InlineData("[{\"name\":\"r\",\"when\": {\"user.age\": \"1\"}, \"exclude\": {\"category\": [\"a\"]}}]", "must start with 'profile.' or 'context.'")]
    [InlineData("[{\"when\": {\"profile.a\": 3}, \"exclude\": {\"category\": [\"a\"]}}]", "condition 'profile.a' must be a string")]
    [InlineData("[{\"when\": {}, \"exclude\": {\"category\": [\"a\"], \"brand\": [\"b\"]}}]", "exactly one field")]
    [InlineData("[{\"when\": {}, \"require\": {\"category\": []}}]", "needs at least one value")]
    [InlineData("not json", "not valid JSON")]
    public void Parse_ThrowsForMalformedRules(string json, string expected)
    {
        var error = Assert.Throws<FormatException>(() => RuleSet.Parse(json));
        Assert.Contains(expected, error.Message);
    }
}
