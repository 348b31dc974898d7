"""The portal doctor: troubleshoot a contact's portal access in questions and
answers (trellis.doctor.contact), whether they see one document
(trellis.doctor.document), and who sees a document (trellis.doctor.who_sees).

A domain module: every check returns plain data (trellis.doctor.checks) with a
stable code, a verdict, the question and its answer, the rows it read and the
fix that applies; the office renders them and turns fixes into buttons. What a
contact sees is always trellis.visibility's verdict, never decided here.
"""
