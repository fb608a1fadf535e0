"""Strings each picture in ../shared/screens certainly shows, for the OCR test and benchmark."""

KNOWN = {
    "drink-water-mobile.png": ["Drink Water", "Goal: 2 Liters", "Remained", "250"],
    "faq-accordion.png": ["Frequently Asked Questions", "Why shouldn't we trust atoms?",
                          "What is: 1 + 1?"],
    "joke-card.png": ["Don't Laugh Challenge", "Joke goes here", "Get Another Joke"],
    "landing-page-full.png": ["Generate more leads", "Fully Responsive", "Sign Up", "Submit"],
    "password-generator-mobile.png": ["Password Generator", "Include uppercase letters",
                                      "Generate Password"],
    "quiz-card.png": ["Which language runs in a web", "JavaScript", "Python", "Submit"],
    "sb-admin-cards.png": ["Default Card Example", "EARNINGS (MONTHLY)", "Douglas McGee",
                           "Dashboard"],
    "sb-admin-charts-full.png": ["Area Chart", "Donut Chart", "Search for...", "Douglas McGee"],
    "sb-admin-dashboard.png": ["Earnings Overview", "Revenue Sources", "Generate Report",
                               "PENDING REQUESTS"],
    "sb-admin-login.png": ["Welcome Back!", "Remember Me", "Forgot Password?",
                           "Create an Account!"],
    "sb-admin-register-mobile.png": ["Create an Account!", "First Name", "Register Account",
                                     "Forgot Password?"],
    "sb-admin-tables.png": ["DataTables Example", "Airi Satou", "Accountant", "Search:"],
    "split-landing.png": ["Playstation 5", "XBox Series X", "Buy Now"],
    "sticky-nav-full.png": ["My Website", "Welcome To My Website", "Content One", "Services"],
    "verify-code.png": ["Verify Your Account", "cool_guy@email.com", "This is design only."],
    "wave-login-form.png": ["Please Login", "Email", "Password", "Register"],
}


def found(text: str, strings: list[str]) -> list[str]:
    """The strings that appear in ``text``, with case and spaces ignored (OCR drops some)."""
    flat = "".join(text.casefold().split())
    return [s for s in strings if "".join(s.casefold().split()) in flat]
