"""A certification request's content that passes every check; tests override what they test."""


def content(**overrides):
    data = {"title": "Crisis Intervention Refresher", "delivery": "classroom", "total_hours": "8",
            "topics": [{"topic": "De-escalation", "hours": "5.5"}, {"topic": "Scenarios", "hours": "2.5"}],
            "instructors": ["Sgt. A. Rivera"], "starts_on": "2027-01-04", "ends_on": "2027-06-30"}
    return data | overrides
