namespace OrleansReco.Core.Data.Synthetic;

/// <summary>An item category: the words its titles and descriptions draw from (English and Arabic), its tags,
/// the product types it usually comes as, and how common it is.</summary>
internal sealed record CategoryWords(
    string Name,
    string[] Words,
    string[] ArabicWords,
    string[] Tags,
    string[] PreferredTypes,
    double Weight);

/// <summary>A market items are issued in and users live in (through their country).</summary>
internal sealed record MarketWords(string Name, string Display, string Arabic, bool ArabicSpeaking);

/// <summary>A user's country: ISO code, share of users, home market.</summary>
internal sealed record CountryInfo(string Code, double Weight, int Market);

/// <summary>The fixed vocabulary of the synthetic wealth-management catalogue and customer base.</summary>
internal static class SyntheticVocabulary
{
    public static readonly CategoryWords[] Categories =
    [
        new("technology",
            ["technology", "software", "semiconductor", "cloud", "digital", "innovation", "cybersecurity", "robotics", "internet", "data", "platform", "automation"],
            ["تقنية", "برمجيات", "رقمي", "ابتكار", "سحابية", "بيانات"],
            ["growth", "large_cap", "innovation", "nasdaq"], ["etf", "stock", "fund"], 1.6),
        new("healthcare",
            ["health", "biotech", "pharmaceutical", "medical", "genomics", "wellness", "hospital", "therapeutics", "diagnostics", "care"],
            ["صحة", "أدوية", "طبية", "رعاية", "مستشفيات"],
            ["defensive", "biotech", "aging", "research"], ["stock", "fund", "etf"], 1.1),
        new("energy",
            ["energy", "oil", "gas", "pipeline", "refining", "power", "utilities", "transition", "renewables", "solar"],
            ["طاقة", "نفط", "غاز", "كهرباء", "شمسية"],
            ["cyclical", "commodity_linked", "dividend", "infrastructure"], ["stock", "etf", "fund"], 1.0),
        new("real_estate",
            ["property", "realty", "reit", "residential", "commercial", "logistics", "housing", "rental", "towers", "land"],
            ["عقارات", "سكنية", "تجارية", "إيجار", "أبراج"],
            ["income", "reit", "inflation_hedge", "rental"], ["fund", "stock", "sukuk"], 0.9),
        new("fixed_income",
            ["bond", "treasury", "government", "coupon", "yield", "duration", "credit", "maturity", "income", "investment-grade"],
            ["سندات", "حكومية", "عائد", "دخل", "ثابت"],
            ["income", "low_risk", "investment_grade", "duration"], ["bond", "fund", "etf"], 1.2),
        new("islamic_finance",
            ["sukuk", "sharia", "murabaha", "ijara", "halal", "compliant", "islamic", "ethical", "profit-sharing", "takaful"],
            ["صكوك", "شريعة", "مرابحة", "إجارة", "إسلامي", "تكافل"],
            ["sharia_compliant", "income", "ethical", "gcc"], ["sukuk", "fund", "deposit", "insurance"], 0.9),
        new("emerging_markets",
            ["emerging", "frontier", "asia", "growth", "developing", "consumer", "middle-class", "india", "china", "latam"],
            ["ناشئة", "آسيا", "نمو", "أسواق", "مستهلك"],
            ["high_growth", "volatile", "emerging", "currency_risk"], ["etf", "fund", "stock"], 0.8),
        new("dividend",
            ["dividend", "income", "payout", "blue-chip", "value", "quality", "cash-flow", "aristocrats", "yield", "stable"],
            ["توزيعات", "أرباح", "دخل", "مستقرة", "قيمة"],
            ["income", "value", "quality", "defensive"], ["stock", "etf", "fund"], 1.0),
        new("sustainability",
            ["sustainable", "esg", "green", "climate", "clean", "impact", "carbon", "water", "responsible", "circular"],
            ["مستدامة", "خضراء", "مناخ", "نظيفة", "بيئة"],
            ["esg", "impact", "climate", "long_term"], ["fund", "etf", "bond"], 0.8),
        new("commodities",
            ["gold", "silver", "metals", "precious", "commodity", "copper", "mining", "bullion", "inflation", "hard-assets"],
            ["ذهب", "فضة", "معادن", "ثمينة", "تعدين"],
            ["inflation_hedge", "safe_haven", "commodity_linked", "volatile"], ["etf", "fund", "structured_note"], 0.7),
        new("money_market",
            ["cash", "liquidity", "deposit", "savings", "money-market", "short-term", "preservation", "overnight", "fixed-rate", "reserve"],
            ["نقد", "سيولة", "وديعة", "ادخار", "قصيرة"],
            ["low_risk", "liquidity", "capital_protected", "short_term"], ["deposit", "fund"], 0.9),
        new("protection",
            ["insurance", "protection", "life", "retirement", "pension", "annuity", "guaranteed", "family", "legacy", "savings-plan"],
            ["تأمين", "حماية", "تقاعد", "عائلة", "ادخار"],
            ["long_term", "capital_protected", "retirement", "family"], ["insurance", "structured_note"], 0.7),
    ];

    /// <summary>Tags any item may carry besides its category's.</summary>
    public static readonly string[] CommonTags = ["low_fee", "new_issue", "award_winning", "monthly_distribution", "hedged"];

    /// <summary>Adjectives any description may use, whatever the category.</summary>
    public static readonly string[] FillerAdjectives =
        ["diversified", "managed", "active", "long-term", "balanced", "core", "flexible", "disciplined"];

    /// <summary>Nouns any description may use, whatever the category.</summary>
    public static readonly string[] FillerNouns =
        ["portfolio", "exposure", "strategy", "returns", "allocation", "selection", "holdings", "focus"];

    public static readonly MarketWords[] Markets =
    [
        new("global", "Global", "عالمي", false),
        new("us", "US", "أمريكي", false),
        new("europe", "European", "أوروبي", false),
        new("uk", "UK", "بريطاني", false),
        new("mena", "Gulf", "الخليج", true),
        new("saudi", "Saudi", "السعودية", true),
        new("india", "India", "الهند", false),
        new("asia", "Asia", "آسيا", false),
    ];

    public static readonly CountryInfo[] Countries =
    [
        new("AE", 0.16, 4), new("SA", 0.14, 5), new("KW", 0.04, 4), new("QA", 0.03, 4), new("EG", 0.05, 4),
        new("GB", 0.12, 3), new("US", 0.14, 1), new("DE", 0.07, 2), new("FR", 0.06, 2), new("CH", 0.04, 2),
        new("IN", 0.09, 6), new("SG", 0.06, 7),
    ];

    public static readonly string[] AgeGroups = ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"];
    public static readonly double[] AgeGroupWeights = [0.10, 0.24, 0.24, 0.19, 0.14, 0.09];

    /// <summary>Income multiplier by age group (earnings peak in mid-career).</summary>
    public static readonly double[] AgeIncomeFactor = [0.5, 0.85, 1.1, 1.2, 1.05, 0.75];

    /// <summary>Assets under management as a multiple of yearly income, by age group (savings build up).</summary>
    public static readonly double[] AgeWealthFactor = [0.3, 1.0, 2.2, 3.5, 5.0, 6.5];

    public static readonly string[] Segments = ["mass", "affluent", "premier", "private"];
    public static readonly double[] SegmentWeights = [0.60, 0.25, 0.11, 0.04];

    /// <summary>Median yearly income (USD) by segment.</summary>
    public static readonly double[] SegmentIncome = [38_000, 110_000, 280_000, 900_000];

    private static readonly string[] BrandStems =
        ["Northwind", "Contoso", "Fabrikam", "Alder", "Falcon", "Crescent", "Meridian", "Harbor", "Summit", "Oasis",
         "Cedar", "Atlas", "Pearl", "Granite", "Lumen", "Sable", "Zenith", "Orchid", "Beacon", "Dune"];

    private static readonly string[] BrandSuffixes = ["Capital", "Asset Management", "Investments", "Partners", "Securities", "Wealth"];

    /// <summary>A distinct brand name for each index: stem × suffix, then a number once those run out.</summary>
    public static string BrandName(int index)
    {
        int pairs = BrandStems.Length * BrandSuffixes.Length;
        string name = $"{BrandStems[index % BrandStems.Length]} {BrandSuffixes[index / BrandStems.Length % BrandSuffixes.Length]}";
        return index < pairs ? name : $"{name} {index / pairs + 1}";
    }

    /// <summary>The short stem of a brand name used in titles ("Falcon" of "Falcon Capital").</summary>
    public static string BrandStem(int index) => BrandStems[index % BrandStems.Length];

    /// <summary>How a product type reads in an English title; unknown types are title-cased.</summary>
    public static string TypeDisplay(string type) => type switch
    {
        "fund" => "Fund",
        "etf" => "ETF",
        "stock" => "Shares",
        "bond" => "Bond",
        "sukuk" => "Sukuk",
        "deposit" => "Deposit",
        "structured_note" => "Structured Note",
        "insurance" => "Plan",
        _ => TitleCase(type.Replace('_', ' ')),
    };

    /// <summary>How a product type reads in an Arabic title; unknown types keep their name.</summary>
    public static string TypeArabic(string type) => type switch
    {
        "fund" => "صندوق",
        "etf" => "صندوق متداول",
        "stock" => "أسهم",
        "bond" => "سندات",
        "sukuk" => "صكوك",
        "deposit" => "وديعة",
        "structured_note" => "ورقة مالية مهيكلة",
        "insurance" => "برنامج تأمين",
        _ => type,
    };

    /// <summary>Typical unit price (USD) of a product type: the median of its log-normal price.</summary>
    public static double TypicalPrice(string type) => type switch
    {
        "fund" => 100,
        "etf" => 60,
        "stock" => 80,
        "bond" => 1_000,
        "sukuk" => 1_000,
        "deposit" => 5_000,
        "structured_note" => 10_000,
        "insurance" => 2_500,
        _ => 250,
    };

    public static string TitleCase(string text)
    {
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < words.Length; i++)
            words[i] = char.ToUpperInvariant(words[i][0]) + words[i][1..];
        return string.Join(' ', words);
    }
}
