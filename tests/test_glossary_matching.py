"""Terms are recognised in the forms real sentences use, and only there."""

import pytest

from pipeline.glossary.matching import contains_exact, find_term, tokenize


def found(term, text, lang):
    return bool(find_term(term, tokenize(text, lang), lang))


@pytest.mark.parametrize("lang, term, text", [
    ("pl", "ekonomia społeczna", "Wspieramy rozwój ekonomii społecznej w regionach."),         # genitive
    ("pl", "ekonomia społeczna", "Promujemy ekonomię społeczną."),                              # accusative
    ("pl", "dobra praktyka", "Mówiliśmy o dobrej praktyce z Warszawy."),                        # locative, k->c
    ("pl", "instrument polityki", "w instrumencie polityki regionalnej"),                       # t->c
    ("pl", "okrągły stół", "przy okrągłym stole"),                                             # ó->o, ł->l
    ("bg", "социална икономика", "Проектът подкрепя социалната икономика."),                   # definite article
    ("bg", "социално предприятие", "Социалните предприятия растат."),                          # plural + article
    ("el", "κοινωνική οικονομία", "ΣΤΗΝ ΚΟΙΝΩΝΙΚΗ ΟΙΚΟΝΟΜΙΑ"),                                   # caps, no accents
    ("el", "κοινωνική οικονομία", "της κοινωνικής οικονομίας"),                                 # genitive, final sigma
    ("de", "Sozialwirtschaft", "Viele Sozialwirtschaftsunternehmen nahmen teil."),              # compound
    ("de", "soziale Innovation", "Förderung sozialer Innovationen"),                            # adjective ending
    ("lv", "sociālā ekonomika", "sociālās ekonomikas uzņēmumi"),                               # genitive
    ("lv", "sociālā ekonomika", "sociālajā ekonomikā strādā"),                                 # locative, definite
    ("ro", "economie socială", "dezvoltarea economiei sociale"),                               # genitive article
    ("es", "acceso a financiación", "el acceso a la financiación"),                            # inserted article
    ("nl", "sociale economie", "sociale-economieondernemingen"),                               # compound
    ("bg", "междурегионален семинар", "междурегионалния семинар"),                             # fleeting vowel
    ("de", "Beispiel* guter Praxis", "Beispiele guter Praxis"),                                # glossary wildcard
    ("pt", "ação regional", "ações regionais"),                                                # -ão/-ões, -al/-ais
    ("es", "reunión", "las reuniones"),                                                        # accent moves
    ("nl", "regionaal beleid", "het regionale beleid"),                                        # aa -> a
])
def test_inflected_forms_satisfy_the_term(lang, term, text):
    assert found(term, text, lang)


@pytest.mark.parametrize("lang, term, text", [
    ("pl", "ekonomia społeczna", "społeczeństwo obywatelskie i gospodarka"),
    ("de", "Sozialwirtschaft", "die Sozialversicherung"),
    ("bg", "социална икономика", "социалните услуги и икономиката"),
    ("el", "κοινωνική οικονομία", "κοινωνική πολιτική"),
    ("pt", "economia social", "economia solidária"),
])
def test_different_words_do_not_match(lang, term, text):
    assert not found(term, text, lang)


def test_do_not_translate_names_match_only_as_written():
    assert contains_exact("SECON", "Projekt SECON-u wspiera", "pl")  # Polish norm: hyphenated ending
    assert not contains_exact("SECON", "проекта SECON-а", "bg")        # not the Bulgarian norm
    assert contains_exact("SECON", "Το SECON.", "el")
    assert not contains_exact("SECON", "Projekt Secon")
    assert not contains_exact("SECON", "SECONDARY school")
    assert not contains_exact("Interreg Europe", "Interreg Европа")
